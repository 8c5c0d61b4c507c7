package scimclient

import (
	"context"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/scim"
)

// groupBody is the wire form of a group. It never has an externalId.
func groupBody(id string, g connector.Group) *scim.Group {
	out := &scim.Group{Schemas: []string{scim.SchemaGroup}, ID: id, DisplayName: g.DisplayName,
		Members: make([]scim.Member, 0, len(g.MemberIDs))}
	for _, m := range g.MemberIDs {
		out.Members = append(out.Members, scim.Member{Value: m})
	}
	return out
}

// GetGroup implements connector.Connector.
func (c *Client) GetGroup(ctx context.Context, id string) (*connector.RemoteGroup, error) {
	var w wireGroup
	if _, err := c.do(ctx, "GetGroup", "GET", groupPath(id), nil, nil, &w); err != nil {
		return nil, err
	}
	g := w.remote()
	if g.ID == "" {
		g.ID = id
	}
	return &g, nil
}

// CreateGroup implements connector.Connector.
func (c *Client) CreateGroup(ctx context.Context, g connector.Group) (*connector.RemoteGroup, error) {
	var w wireGroup
	if _, err := c.do(ctx, "CreateGroup", "POST", "/Groups", nil, groupBody("", g), &w); err != nil {
		return nil, err
	}
	if w.ID == "" {
		return nil, &connector.Error{Op: "CreateGroup", Detail: "the application answered without an id"}
	}
	rg := w.remote()
	return &rg, nil
}

// RenameGroup implements connector.Connector: a PATCH of displayName
// when the app has group PATCH, else GET and a PUT keeping the members.
func (c *Client) RenameGroup(ctx context.Context, id, displayName string) error {
	if c.opt.PatchGroups {
		return c.patchOnly(ctx, "RenameGroup", groupPath(id), op("replace", "displayName", displayName))
	}
	cur, err := c.GetGroup(ctx, id)
	if err != nil {
		return err
	}
	if cur.DisplayName == displayName {
		return nil
	}
	_, err = c.do(ctx, "RenameGroup", "PUT", groupPath(id), nil,
		groupBody(id, connector.Group{DisplayName: displayName, MemberIDs: cur.MemberIDs}), nil)
	return err
}

// ReplaceGroup implements connector.GroupReplacer: one PUT with the
// displayName and the full member list, however long.
func (c *Client) ReplaceGroup(ctx context.Context, id string, g connector.Group) error {
	_, err := c.do(ctx, "ReplaceGroup", "PUT", groupPath(id), nil, groupBody(id, g), nil)
	return err
}

// DeleteGroup implements connector.Connector.
func (c *Client) DeleteGroup(ctx context.Context, id string) error {
	_, err := c.do(ctx, "DeleteGroup", "DELETE", groupPath(id), nil, nil, nil)
	return err
}

// PatchingClient is a Client whose application supports PATCH: it adds
// connector.GroupMemberPatcher.
type PatchingClient struct{ *Client }

// PatchMembers implements connector.GroupMemberPatcher: one PATCH with
// an add of the new members and a remove per leaving member
// (members[value eq "id"]). Empty lists send nothing.
func (p *PatchingClient) PatchMembers(ctx context.Context, groupID string, add, remove []string) error {
	var ops []scim.PatchOp
	if len(add) > 0 {
		ms := make([]scim.Member, 0, len(add))
		for _, id := range add {
			ms = append(ms, scim.Member{Value: id})
		}
		ops = append(ops, op("add", "members", ms))
	}
	for _, id := range remove {
		ops = append(ops, op("remove", "members[value eq "+quoteFilter(id)+"]", nil))
	}
	if len(ops) == 0 {
		return nil
	}
	return p.patchOnly(ctx, "PatchMembers", groupPath(groupID), ops...)
}

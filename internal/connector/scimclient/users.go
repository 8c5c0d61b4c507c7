package scimclient

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/scim"
)

// EmailType is the type of every email sent ("work": Quip's only type).
const EmailType = "work"

func boolPtr(b bool) *bool { return &b }

// userBody is the wire form of a desired user.
func (c *Client) userBody(u connector.User) *scim.User {
	out := &scim.User{
		Schemas:     []string{scim.SchemaUser},
		ExternalID:  u.EmployeeID,
		DisplayName: u.DisplayName,
		Name:        &scim.Name{GivenName: u.GivenName, FamilyName: u.FamilyName, Formatted: formatted(u.GivenName, u.FamilyName)},
		Active:      boolPtr(u.Active),
	}
	if !c.opt.NeverSendUserName {
		out.UserName = u.UserName
		if out.UserName == "" {
			out.UserName = u.Email
		}
	}
	if u.Email != "" {
		out.Emails = []scim.Email{{Value: u.Email, Type: EmailType, Primary: true}}
	}
	return out
}

func formatted(given, family string) string {
	return strings.TrimSpace(strings.TrimSpace(given) + " " + strings.TrimSpace(family))
}

// quoteFilter quotes a filter value (RFC 7644 section 3.4.2.2).
func quoteFilter(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// FindUserByEmail implements connector.Connector. It filters on
// Options.EmailFilterAttr and still checks the answer itself, in case the app
// ignores filters.
func (c *Client) FindUserByEmail(ctx context.Context, email string) (*connector.RemoteUser, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, &connector.Error{Op: "FindUserByEmail", Detail: "email is empty"}
	}
	q := url.Values{"filter": {c.opt.EmailFilterAttr + " eq " + quoteFilter(email)}, "count": {"20"}}
	var page wireList
	if _, err := c.do(ctx, "FindUserByEmail", "GET", "/Users", q, nil, &page); err != nil {
		return nil, err
	}
	for _, raw := range page.Resources {
		var w wireUser
		if json.Unmarshal(raw, &w) != nil || w.ID == "" {
			continue
		}
		for _, e := range w.Emails {
			if strings.EqualFold(strings.TrimSpace(e.Value), email) {
				r := w.remote()
				return &r, nil
			}
		}
	}
	return nil, nil
}

// GetUser implements connector.Connector.
func (c *Client) GetUser(ctx context.Context, id string) (*connector.RemoteUser, error) {
	var w wireUser
	if _, err := c.do(ctx, "GetUser", "GET", userPath(id), nil, nil, &w); err != nil {
		return nil, err
	}
	r := w.remote()
	if r.ID == "" {
		r.ID = id
	}
	return &r, nil
}

// CreateUser implements connector.Connector.
func (c *Client) CreateUser(ctx context.Context, u connector.User) (*connector.RemoteUser, error) {
	var w wireUser
	if _, err := c.do(ctx, "CreateUser", "POST", "/Users", nil, c.userBody(u), &w); err != nil {
		return nil, err
	}
	if w.ID == "" {
		return nil, &connector.Error{Op: "CreateUser", Detail: "the application answered without an id"}
	}
	r := w.remote()
	return &r, nil
}

// patchBody is a PATCH request with its operations.
func patchBody(ops ...scim.PatchOp) *scim.PatchRequest {
	return &scim.PatchRequest{Schemas: []string{scim.SchemaPatchOp}, Operations: ops}
}

func op(kind, path string, v any) scim.PatchOp {
	o := scim.PatchOp{Op: kind, Path: path}
	if v != nil {
		o.Value, _ = json.Marshal(v)
	}
	return o
}

// diff compares desired with current by the profile's rules and returns
// the changes and the PATCH operations that make them.
func (c *Client) diff(d connector.User, cur *connector.RemoteUser) ([]connector.FieldChange, []scim.PatchOp) {
	var ch []connector.FieldChange
	var ops []scim.PatchOp
	add := func(field, from, to string, o scim.PatchOp) {
		ch = append(ch, connector.FieldChange{Field: field, From: from, To: to})
		ops = append(ops, o)
	}
	name := map[string]string{"givenName": d.GivenName, "familyName": d.FamilyName, "formatted": formatted(d.GivenName, d.FamilyName)}
	if c.opt.NameByFormatted {
		have := cur.Formatted
		if have == "" {
			have = formatted(cur.GivenName, cur.FamilyName)
		}
		if want := name["formatted"]; want != strings.TrimSpace(have) {
			add("name.formatted", have, want, op("replace", "name", name))
		}
	} else if d.GivenName != cur.GivenName || d.FamilyName != cur.FamilyName {
		add("name", formatted(cur.GivenName, cur.FamilyName), name["formatted"], op("replace", "name", name))
	}
	if !c.opt.NeverSendUserName && d.UserName != "" && !strings.EqualFold(d.UserName, cur.UserName) {
		add("userName", cur.UserName, d.UserName, op("replace", "userName", d.UserName))
	}
	if d.DisplayName != "" && d.DisplayName != cur.DisplayName {
		add("displayName", cur.DisplayName, d.DisplayName, op("replace", "displayName", d.DisplayName))
	}
	if d.Email != "" && !strings.EqualFold(strings.TrimSpace(d.Email), strings.TrimSpace(cur.Email)) {
		add("emails", cur.Email, d.Email, op("replace", "emails", []scim.Email{{Value: d.Email, Type: EmailType, Primary: true}}))
	}
	if d.EmployeeID != cur.ExternalID {
		if d.EmployeeID == "" {
			add("externalId", cur.ExternalID, "", op("remove", "externalId", nil))
		} else {
			add("externalId", cur.ExternalID, d.EmployeeID, op("replace", "externalId", d.EmployeeID))
		}
	}
	if d.Active != cur.Active {
		add("active", boolText(cur.Active), boolText(d.Active), op("replace", "active", d.Active))
	}
	return ch, ops
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// UserInSync implements connector.UserComparer: UpdateUser would send
// nothing for desired given current.
func (c *Client) UserInSync(desired connector.User, current *connector.RemoteUser) bool {
	changes, _ := c.diff(desired, current)
	return len(changes) == 0
}

// UpdateUser implements connector.Connector: nothing is sent when
// nothing differs; otherwise one PATCH of the changed attributes (or one
// PUT of the whole user when the app has no PATCH).
func (c *Client) UpdateUser(ctx context.Context, id string, desired connector.User, current *connector.RemoteUser) (*connector.RemoteUser, []connector.FieldChange, error) {
	if current == nil {
		return nil, nil, &connector.Error{Op: "UpdateUser", Detail: "current state is required"}
	}
	changes, ops := c.diff(desired, current)
	if len(changes) == 0 {
		return current, nil, nil
	}
	var after *connector.RemoteUser
	var err error
	if c.opt.PatchUsers {
		after, err = c.patchUser(ctx, "UpdateUser", id, ops...)
	} else {
		body := c.userBody(desired)
		if body.UserName == "" && !c.opt.NeverSendUserName {
			body.UserName = current.UserName
		}
		after, err = c.putUser(ctx, "UpdateUser", id, body)
	}
	if err != nil {
		return nil, nil, err
	}
	return after, changes, nil
}

// patchUser sends one PATCH; a 204 answer is success and the user is
// read back.
func (c *Client) patchUser(ctx context.Context, opName, id string, ops ...scim.PatchOp) (*connector.RemoteUser, error) {
	var w wireUser
	status, err := c.do(ctx, opName, "PATCH", userPath(id), nil, patchBody(ops...), &w)
	if err != nil {
		return nil, err
	}
	if status == http.StatusNoContent || w.ID == "" {
		return c.GetUser(ctx, id)
	}
	r := w.remote()
	return &r, nil
}

func (c *Client) putUser(ctx context.Context, opName, id string, body *scim.User) (*connector.RemoteUser, error) {
	body.ID = id
	var w wireUser
	status, err := c.do(ctx, opName, "PUT", userPath(id), nil, body, &w)
	if err != nil {
		return nil, err
	}
	if status == http.StatusNoContent || w.ID == "" {
		return c.GetUser(ctx, id)
	}
	r := w.remote()
	return &r, nil
}

// SetActive implements connector.Connector (PATCH active, or GET and PUT).
func (c *Client) SetActive(ctx context.Context, id string, active bool) error {
	if c.opt.PatchUsers {
		return c.patchOnly(ctx, "SetActive", userPath(id), op("replace", "active", active))
	}
	cur, err := c.GetUser(ctx, id)
	if err != nil {
		return err
	}
	body := c.userBody(connector.User{UserName: cur.UserName, Email: cur.Email, GivenName: cur.GivenName,
		FamilyName: cur.FamilyName, DisplayName: cur.DisplayName, EmployeeID: cur.ExternalID, Active: active})
	_, err = c.putUser(ctx, "SetActive", id, body)
	return err
}

// patchOnly sends one PATCH and ignores the answer body.
func (c *Client) patchOnly(ctx context.Context, opName, path string, ops ...scim.PatchOp) error {
	_, err := c.do(ctx, opName, "PATCH", path, nil, patchBody(ops...), nil)
	return err
}

// DeleteUser implements connector.Connector.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	_, err := c.do(ctx, "DeleteUser", "DELETE", userPath(id), nil, nil, nil)
	return err
}

// PatchUser sends one PATCH operation (kind "add", "replace" or
// "remove") on a user, for profiles that need calls the base contract
// lacks. opName names the call in errors.
func (c *Client) PatchUser(ctx context.Context, id, opName, kind, path string, value any) error {
	return c.patchOnly(ctx, opName, userPath(id), op(kind, path, value))
}

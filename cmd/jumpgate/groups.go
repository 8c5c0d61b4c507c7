package main

import (
	"context"
	"fmt"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

type groupsCmd struct {
	List    groupsListCmd    `cmd:"" help:"List groups."`
	Get     groupsGetCmd     `cmd:"" help:"Show a group."`
	Add     groupsAddCmd     `cmd:"" help:"Create a group."`
	Update  groupsUpdateCmd  `cmd:"" help:"Rename a group or change its description."`
	Delete  groupsDeleteCmd  `cmd:"" help:"Delete a group."`
	Members groupsMembersCmd `cmd:"" help:"List, add and remove a group's members."`
}

type groupsListCmd struct {
	clientFlags `embed:""`
	listFlags   `embed:""`
}

func (c *groupsListCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	page, err := cl.ListGroups(ctx, c.options())
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(m.Stdout, page)
	}
	groupTable(m.Stdout, page.Items)
	pageFooter(m.Stdout, len(page.Items), page.Offset, page.Total)
	return nil
}

func printGroup(m *Main, asJSON bool, g *directory.Group) error {
	if asJSON {
		return writeJSON(m.Stdout, g)
	}
	groupDetail(m.Stdout, g)
	return nil
}

type groupsGetCmd struct {
	clientFlags `embed:""`
	Group       string `arg:"" help:"Group id or name."`
}

func (c *groupsGetCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	g, err := resolveGroup(ctx, cl, c.Group)
	if err != nil {
		return err
	}
	return printGroup(m, c.JSON, g)
}

type groupsAddCmd struct {
	clientFlags `embed:""`
	Name        string `name:"name" required:"" help:"Unique group name."`
	Description string `name:"description" help:"Description."`
}

func (c *groupsAddCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	g, err := cl.CreateGroup(ctx, api.GroupInput{Name: c.Name, Description: c.Description})
	if err != nil {
		return err
	}
	return printGroup(m, c.JSON, g)
}

type groupsUpdateCmd struct {
	clientFlags `embed:""`
	Group       string  `arg:"" help:"Group id or name."`
	Name        *string `name:"name" help:"New name."`
	Description *string `name:"description" help:"New description."`
}

func (c *groupsUpdateCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	cur, err := resolveGroup(ctx, cl, c.Group)
	if err != nil {
		return err
	}
	g, err := cl.UpdateGroup(ctx, cur.ID, directory.GroupUpdate{Name: c.Name, Description: c.Description})
	if err != nil {
		return err
	}
	return printGroup(m, c.JSON, g)
}

type groupsDeleteCmd struct {
	clientFlags `embed:""`
	Group       string `arg:"" help:"Group id or name."`
}

func (c *groupsDeleteCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	cur, err := resolveGroup(ctx, cl, c.Group)
	if err != nil {
		return err
	}
	if err := cl.DeleteGroup(ctx, cur.ID); err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(m.Stdout, map[string]string{"deleted": cur.ID})
	}
	fmt.Fprintf(m.Stdout, "Deleted group %s (%s).\n", cur.Name, cur.ID)
	return nil
}

type groupsMembersCmd struct {
	List   membersListCmd   `cmd:"" help:"List a group's members."`
	Add    membersChangeCmd `cmd:"" help:"Add users to a group."`
	Remove membersRemoveCmd `cmd:"" help:"Remove users from a group."`
}

type membersListCmd struct {
	clientFlags `embed:""`
	listFlags   `embed:""`
	Group       string `arg:"" help:"Group id or name."`
}

func (c *membersListCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	g, err := resolveGroup(ctx, cl, c.Group)
	if err != nil {
		return err
	}
	page, err := cl.ListMembers(ctx, g.ID, c.options())
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(m.Stdout, page)
	}
	userTable(m.Stdout, page.Items)
	pageFooter(m.Stdout, len(page.Items), page.Offset, page.Total)
	return nil
}

// membersChangeCmd adds members; membersRemoveCmd reuses its arguments.
type membersChangeCmd struct {
	clientFlags `embed:""`
	Group       string   `arg:"" help:"Group id or name."`
	Users       []string `arg:"" help:"User ids, usernames or emails."`
}

func (c *membersChangeCmd) Run(ctx context.Context, m *Main) error { return c.run(ctx, m, true) }

func (c *membersChangeCmd) run(ctx context.Context, m *Main, add bool) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	g, err := resolveGroup(ctx, cl, c.Group)
	if err != nil {
		return err
	}
	var ids []string
	if add {
		// Unknown users are refused by the API as a whole; resolve names first.
		if ids, err = resolveUserIDs(ctx, cl, c.Users); err != nil {
			return err
		}
	} else {
		// A user that no longer resolves cannot be a member: pass ids through.
		for _, ref := range c.Users {
			if u, err := resolveUser(ctx, cl, ref); err == nil {
				ids = append(ids, u.ID)
			} else {
				ids = append(ids, ref)
			}
		}
	}
	var changed []string
	verb := "Added"
	if add {
		changed, err = cl.AddMembers(ctx, g.ID, ids)
	} else {
		verb = "Removed"
		changed, err = cl.RemoveMembers(ctx, g.ID, ids)
	}
	if err != nil {
		return err
	}
	if c.JSON {
		key := "added"
		if !add {
			key = "removed"
		}
		return writeJSON(m.Stdout, map[string][]string{key: changed})
	}
	fmt.Fprintf(m.Stdout, "%s %d of %d user(s) %s group %s.\n", verb, len(changed), len(ids), map[bool]string{true: "to", false: "from"}[add], g.Name)
	return nil
}

type membersRemoveCmd struct {
	membersChangeCmd `embed:""`
}

func (c *membersRemoveCmd) Run(ctx context.Context, m *Main) error { return c.run(ctx, m, false) }

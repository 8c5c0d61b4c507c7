package main

import (
	"context"
	"fmt"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

type usersCmd struct {
	List     usersListCmd     `cmd:"" help:"List users."`
	Get      usersGetCmd      `cmd:"" help:"Show a user."`
	Add      usersAddCmd      `cmd:"" help:"Create a user."`
	Update   usersUpdateCmd   `cmd:"" help:"Change some attributes of a user."`
	Suspend  usersSuspendCmd  `cmd:"" help:"Suspend a user."`
	Activate usersActivateCmd `cmd:"" help:"Activate a user."`
	Delete   usersDeleteCmd   `cmd:"" help:"Delete a user."`
	Groups   usersGroupsCmd   `cmd:"" help:"List the groups of a user."`
}

type usersListCmd struct {
	clientFlags `embed:""`
	listFlags   `embed:""`
	State       string `name:"state" help:"Only users in this state (staged, activated, suspended)."`
}

func (c *usersListCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	o := c.options()
	o.State = c.State
	page, err := cl.ListUsers(ctx, o)
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

type usersGetCmd struct {
	clientFlags `embed:""`
	User        string `arg:"" help:"User id, username or email."`
}

func (c *usersGetCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	u, err := resolveUser(ctx, cl, c.User)
	if err != nil {
		return err
	}
	return printUser(m, c.JSON, u)
}

func printUser(m *Main, asJSON bool, u *directory.User) error {
	if asJSON {
		return writeJSON(m.Stdout, u)
	}
	userDetail(m.Stdout, u)
	return nil
}

type usersAddCmd struct {
	clientFlags `embed:""`
	Username    string `name:"username" required:"" help:"Unique username."`
	Email       string `name:"email" required:"" help:"Unique email."`
	FirstName   string `name:"firstname" help:"First name."`
	LastName    string `name:"lastname" help:"Last name."`
	DisplayName string `name:"display-name" help:"Display name."`
	EmployeeID  string `name:"employee-id" help:"Employee identifier (unique when set)."`
	State       string `name:"state" help:"staged, activated (default) or suspended."`
}

func (c *usersAddCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	u, err := cl.CreateUser(ctx, api.UserInput{Username: c.Username, Email: c.Email, FirstName: c.FirstName,
		LastName: c.LastName, DisplayName: c.DisplayName, EmployeeID: c.EmployeeID, State: directory.UserState(c.State)})
	if err != nil {
		return err
	}
	return printUser(m, c.JSON, u)
}

type usersUpdateCmd struct {
	clientFlags `embed:""`
	User        string  `arg:"" help:"User id, username or email."`
	Username    *string `name:"username" help:"New username."`
	Email       *string `name:"email" help:"New email."`
	FirstName   *string `name:"firstname" help:"New first name."`
	LastName    *string `name:"lastname" help:"New last name."`
	DisplayName *string `name:"display-name" help:"New display name."`
	EmployeeID  *string `name:"employee-id" help:"New employee identifier."`
	State       *string `name:"state" help:"New state."`
}

func (c *usersUpdateCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	cur, err := resolveUser(ctx, cl, c.User)
	if err != nil {
		return err
	}
	upd := directory.UserUpdate{Username: c.Username, Email: c.Email, FirstName: c.FirstName, LastName: c.LastName,
		DisplayName: c.DisplayName, EmployeeID: c.EmployeeID}
	if c.State != nil {
		st := directory.UserState(*c.State)
		upd.State = &st
	}
	u, err := cl.UpdateUser(ctx, cur.ID, upd)
	if err != nil {
		return err
	}
	return printUser(m, c.JSON, u)
}

// usersStateCmd is the shared part of suspend and activate.
type usersStateCmd struct {
	clientFlags `embed:""`
	User        string `arg:"" help:"User id, username or email."`
}

func (c *usersStateCmd) run(ctx context.Context, m *Main, suspend bool) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	cur, err := resolveUser(ctx, cl, c.User)
	if err != nil {
		return err
	}
	var u *directory.User
	if suspend {
		u, err = cl.SuspendUser(ctx, cur.ID)
	} else {
		u, err = cl.ActivateUser(ctx, cur.ID)
	}
	if err != nil {
		return err
	}
	return printUser(m, c.JSON, u)
}

type usersSuspendCmd struct {
	usersStateCmd `embed:""`
}

func (c *usersSuspendCmd) Run(ctx context.Context, m *Main) error { return c.run(ctx, m, true) }

type usersActivateCmd struct {
	usersStateCmd `embed:""`
}

func (c *usersActivateCmd) Run(ctx context.Context, m *Main) error { return c.run(ctx, m, false) }

type usersDeleteCmd struct {
	clientFlags `embed:""`
	User        string `arg:"" help:"User id, username or email."`
}

func (c *usersDeleteCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	cur, err := resolveUser(ctx, cl, c.User)
	if err != nil {
		return err
	}
	if err := cl.DeleteUser(ctx, cur.ID); err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(m.Stdout, map[string]string{"deleted": cur.ID})
	}
	fmt.Fprintf(m.Stdout, "Deleted user %s (%s).\n", cur.Username, cur.ID)
	return nil
}

type usersGroupsCmd struct {
	clientFlags `embed:""`
	listFlags   `embed:""`
	User        string `arg:"" help:"User id, username or email."`
}

func (c *usersGroupsCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	cur, err := resolveUser(ctx, cl, c.User)
	if err != nil {
		return err
	}
	page, err := cl.UserGroups(ctx, cur.ID, c.options())
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

package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

// The demo's company, its e-mail domain and its groups.
const (
	demoDomain      = "acme.test"
	demoQuipUsers   = "Quip Users"
	demoEngineering = "Engineering"
)

// DemoUser is one of the demo's directory users with its well-known demo
// password (set when the user is made; for the demo only).
type DemoUser struct {
	Username  string
	Email     string
	FirstName string
	LastName  string
	Password  string
	// Groups are the user's groups (at the first run; refreshed from the
	// directory by Connect).
	Groups []string
	// State is the user's state in the directory ("" once deleted), as
	// Connect found it.
	State directory.UserState
}

// demoPeople are the demo's directory users: Alice and Carol may use Quip,
// Bob may not until step 2 of the walk-through.
func demoPeople() []DemoUser {
	return []DemoUser{
		{Username: "alice", Email: "alice@" + demoDomain, FirstName: "Alice", LastName: "Adams",
			Password: "alice-demo-password", Groups: []string{demoQuipUsers}},
		{Username: "bob", Email: "bob@" + demoDomain, FirstName: "Bob", LastName: "Brown",
			Password: "bob-demo-password", Groups: []string{demoEngineering}},
		{Username: "carol", Email: "carol@" + demoDomain, FirstName: "Carol", LastName: "Clark",
			Password: "carol-demo-password", Groups: []string{demoQuipUsers, demoEngineering}},
	}
}

// demoGroups are the demo's groups, in the order they are made.
var demoGroups = []struct{ Name, Description string }{
	{demoQuipUsers, "May use Quip (bound to the Quip application)"},
	{demoEngineering, "Builds things"},
}

// quipOnlyPeople exist only in quipsim, so that importing users from Quip
// has new users to offer.
func quipOnlyPeople() []DemoUser {
	return []DemoUser{
		{Username: "dana", Email: "dana@" + demoDomain, FirstName: "Dana", LastName: "Diaz"},
		{Username: "eve", Email: "eve@" + demoDomain, FirstName: "Eve", LastName: "Evans"},
	}
}

// seedDirectory makes the demo users (activated, with their demo
// passwords) and groups with their members. Users and groups that exist
// already are kept as they are: a group's members are added only when the
// group is made, so later changes survive a restart.
func (d *Demo) seedDirectory(ctx context.Context, o DemoOptions) error {
	ua := &userauth.Service{Store: d.Store, Hasher: o.Hasher, Now: o.Now, Rand: o.Rand, Logger: d.logger}
	ids := map[string]string{}
	for _, p := range demoPeople() {
		u, created, err := d.ensureUser(ctx, p)
		if err != nil {
			return err
		}
		if created {
			if err := ua.SetPassword(ctx, u.ID, p.Password); err != nil {
				return fmt.Errorf("demo: password of %s: %w", p.Username, err)
			}
			d.Created++
		}
		ids[p.Username] = u.ID
		p.State = u.State
		d.Users = append(d.Users, p)
	}
	for _, g := range demoGroups {
		grp, created, err := d.ensureGroup(ctx, g.Name, g.Description)
		if err != nil {
			return err
		}
		if !created {
			continue
		}
		d.Created++
		var members []string
		for _, p := range demoPeople() {
			if slices.Contains(p.Groups, g.Name) {
				members = append(members, ids[p.Username])
			}
		}
		if _, err := d.Service.AddMembers(ctx, d.actor(), grp.ID, members); err != nil {
			return fmt.Errorf("demo: members of %s: %w", g.Name, err)
		}
	}
	return nil
}

// ensureUser returns the user with p's username, making it (activated)
// when absent.
func (d *Demo) ensureUser(ctx context.Context, p DemoUser) (*directory.User, bool, error) {
	var u *directory.User
	err := d.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		u, err = tx.GetUserByUsername(ctx, p.Username)
		return err
	})
	if err == nil {
		return u, false, nil
	}
	if directory.ErrorCode(err) != directory.ENOTFOUND {
		return nil, false, fmt.Errorf("demo: user %s: %w", p.Username, err)
	}
	u, err = d.Service.CreateUser(ctx, d.actor(), directory.User{Username: p.Username, Email: p.Email,
		FirstName: p.FirstName, LastName: p.LastName, State: directory.UserActivated})
	if err != nil {
		return nil, false, fmt.Errorf("demo: user %s: %w", p.Username, err)
	}
	return u, true, nil
}

// ensureGroup returns the group with the name, making it when absent.
func (d *Demo) ensureGroup(ctx context.Context, name, description string) (*directory.Group, bool, error) {
	g, err := d.groupByName(ctx, name)
	if err == nil {
		return g, false, nil
	}
	if directory.ErrorCode(err) != directory.ENOTFOUND {
		return nil, false, fmt.Errorf("demo: group %s: %w", name, err)
	}
	g, err = d.Service.CreateGroup(ctx, d.actor(), directory.Group{Name: name, Description: description})
	if err != nil {
		return nil, false, fmt.Errorf("demo: group %s: %w", name, err)
	}
	return g, true, nil
}

func (d *Demo) groupByName(ctx context.Context, name string) (*directory.Group, error) {
	var g *directory.Group
	err := d.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		g, err = tx.GetGroupByName(ctx, name)
		return err
	})
	return g, err
}

// refreshUsers reads the demo users' current state and groups, so that
// what is printed holds after the walk-through changed them.
func (d *Demo) refreshUsers(ctx context.Context) error {
	return d.Store.View(ctx, func(tx directory.Tx) error {
		for i := range d.Users {
			u, err := tx.GetUserByUsername(ctx, d.Users[i].Username)
			if directory.ErrorCode(err) == directory.ENOTFOUND {
				d.Users[i].State, d.Users[i].Groups = "", nil
				continue
			}
			if err != nil {
				return fmt.Errorf("demo: user %s: %w", d.Users[i].Username, err)
			}
			ids, err := tx.GroupIDsOfUser(ctx, u.ID)
			if err != nil {
				return fmt.Errorf("demo: groups of %s: %w", u.Username, err)
			}
			var names []string
			for _, id := range ids {
				g, err := tx.GetGroup(ctx, id)
				if err != nil {
					return fmt.Errorf("demo: group %s: %w", id, err)
				}
				names = append(names, g.Name)
			}
			slices.Sort(names)
			d.Users[i].State, d.Users[i].Groups = u.State, names
		}
		return nil
	})
}

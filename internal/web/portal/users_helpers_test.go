package portal_test

import (
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// Fixtures and checks of the Users and User Groups pages.

// mkUser creates a directory user username@example.com.
func (e *env) mkUser(username, first, last string) *directory.User {
	e.t.Helper()
	u, err := e.Service.CreateUser(ctx, directory.SystemActor, directory.User{Username: username,
		Email: username + "@example.com", FirstName: first, LastName: last})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// dirUser reads a user from the store.
func (e *env) dirUser(id string) (*directory.User, error) {
	var u *directory.User
	err := e.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		u, err = tx.GetUser(ctx, id)
		return err
	})
	return u, err
}

// userTotal is the number of directory users.
func (e *env) userTotal() int {
	e.t.Helper()
	var n int
	if err := e.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		_, n, err = tx.ListUsers(ctx, directory.UserFilter{Limit: 1})
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// mkGroup creates a user group.
func (e *env) mkGroup(name string) *directory.Group {
	e.t.Helper()
	g, err := e.Service.CreateGroup(ctx, directory.SystemActor, directory.Group{Name: name, Description: name + " team"})
	if err != nil {
		e.t.Fatal(err)
	}
	return g
}

// dirGroup reads a group from the store.
func (e *env) dirGroup(id string) (*directory.Group, error) {
	var g *directory.Group
	err := e.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		g, err = tx.GetGroup(ctx, id)
		return err
	})
	return g, err
}

// groupTotal is the number of user groups.
func (e *env) groupTotal() int {
	e.t.Helper()
	var n int
	if err := e.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		_, n, err = tx.ListGroups(ctx, directory.GroupFilter{Limit: 1})
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// memberSet lists a group's member ids as a set.
func (e *env) memberSet(groupID string) map[string]bool {
	e.t.Helper()
	var ids []string
	if err := e.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		ids, err = tx.MemberIDs(ctx, groupID)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	out := map[string]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out
}

// appsOfGroup lists the ids of the apps a group is bound to.
func (e *env) appsOfGroup(groupID string) []string {
	e.t.Helper()
	var ids []string
	if err := e.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		ids, err = tx.GroupAppIDs(ctx, groupID)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return ids
}

// absent fails the test if the page's text contains any s.
func (p page) absent(t *testing.T, ss ...string) page {
	t.Helper()
	for _, s := range ss {
		if strings.Contains(html.UnescapeString(p.Body), s) {
			t.Fatalf("%s: page has %q; body:\n%s", p.URL, s, p.Body)
		}
	}
	return p
}

var pagerLinkRE = regexp.MustCompile(`id="(next|prev)" rel="(?:next|prev)" href="([^"]+)"`)

// pagerLink is the href of the page's "next" or "prev" link, "" when none.
func (p page) pagerLink(which string) string {
	for _, m := range pagerLinkRE.FindAllStringSubmatch(p.Body, -1) {
		if m[1] == which {
			return html.UnescapeString(m[2])
		}
	}
	return ""
}

var activationURLRE = regexp.MustCompile(`id="activation-url" value="([^"]+)"`)

// activationToken is the token of the activation link shown on the page.
func (p page) activationToken(t *testing.T) string {
	t.Helper()
	m := activationURLRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no activation link on the page:\n%s", p.Body)
	}
	link := html.UnescapeString(m[1])
	_, token, ok := strings.Cut(link, "/activate?token=")
	if !ok {
		t.Fatalf("activation link %q", link)
	}
	return token
}

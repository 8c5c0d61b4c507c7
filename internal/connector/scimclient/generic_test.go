package scimclient_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/connector/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/connector/scimclient"
)

func open(t *testing.T, base string, groups bool) connector.Connector {
	t.Helper()
	c, err := catalog.DefaultRegistry().Open(context.Background(),
		connector.Config{Kind: "scim", BaseURL: base, Token: "tok", GroupsEnabled: groups})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGenericGroupMembershipByPatch(t *testing.T) {
	srv, hs := newCanned(t, true)
	ctx := context.Background()
	c := open(t, hs.URL, true)
	p, ok := c.(connector.GroupMemberPatcher)
	if !ok {
		t.Fatalf("%T does not patch though the server supports it", c)
	}
	a, err := c.CreateUser(ctx, connector.User{UserName: "a", Email: "a@x.test", GivenName: "A", FamilyName: "B", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.CreateUser(ctx, connector.User{UserName: "b", Email: "b@x.test", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.CreateGroup(ctx, connector.Group{DisplayName: "G", MemberIDs: []string{a.ID}})
	if err != nil {
		t.Fatal(err)
	}
	srv.requests()
	if err := p.PatchMembers(ctx, g.ID, []string{b.ID}, []string{a.ID}); err != nil {
		t.Fatal(err)
	}
	if err := c.RenameGroup(ctx, g.ID, "G2"); err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	if len(reqs) != 2 || !strings.HasPrefix(reqs[0], "PATCH /Groups/") || !strings.Contains(reqs[0], `"op":"add"`) ||
		!strings.Contains(reqs[0], `members[value eq \"`+a.ID+`\"]`) || !strings.HasPrefix(reqs[1], "PATCH /Groups/") {
		t.Fatalf("requests %q", reqs)
	}
	got, err := c.GetGroup(ctx, g.ID)
	if err != nil || got.DisplayName != "G2" || !slices.Equal(got.MemberIDs, []string{b.ID}) {
		t.Fatalf("group %+v %v", got, err)
	}
	// A user update is one PATCH; a 204 answer is success and the user is read back.
	cur, _ := c.GetUser(ctx, a.ID)
	srv.requests()
	after, ch, err := c.UpdateUser(ctx, a.ID, connector.User{UserName: "a", Email: "a@x.test", GivenName: "A", FamilyName: "B",
		DisplayName: "Ay", Active: true}, cur)
	if err != nil || after.DisplayName != "Ay" || len(ch) != 1 {
		t.Fatalf("update %+v %+v %v", after, ch, err)
	}
	if reqs := srv.requests(); len(reqs) != 2 || !strings.HasPrefix(reqs[0], "PATCH /Users/") || !strings.HasPrefix(reqs[1], "GET /Users/") {
		t.Fatalf("requests %q", reqs)
	}
	if err := c.SetActive(ctx, a.ID, false); err != nil {
		t.Fatal(err)
	}
	if u, _ := c.GetUser(ctx, a.ID); u.Active {
		t.Fatal("still active")
	}
	// Generic profile: names compared field by field, userName sent.
	if c.(connector.Profile).UserDeleteDeactivates() || c.(connector.Profile).GroupLookupByListing() {
		t.Fatal("generic profile flags")
	}
}

func TestGenericGroupMembershipByPut(t *testing.T) {
	srv, hs := newCanned(t, false)
	ctx := context.Background()
	c := open(t, hs.URL, true)
	if _, ok := c.(connector.GroupMemberPatcher); ok {
		t.Fatalf("%T offers PATCH though the server has none", c)
	}
	r, ok := c.(connector.GroupReplacer)
	if !ok {
		t.Fatal("no GroupReplacer")
	}
	a, _ := c.CreateUser(ctx, connector.User{UserName: "a", Email: "a@x.test", Active: true})
	g, err := c.CreateGroup(ctx, connector.Group{DisplayName: "G"})
	if err != nil {
		t.Fatal(err)
	}
	srv.requests()
	if err := r.ReplaceGroup(ctx, g.ID, connector.Group{DisplayName: "G", MemberIDs: []string{a.ID}}); err != nil {
		t.Fatal(err)
	}
	if err := c.RenameGroup(ctx, g.ID, "H"); err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	if len(reqs) != 3 || !strings.HasPrefix(reqs[0], "PUT /Groups/") || !strings.HasPrefix(reqs[1], "GET /Groups/") || !strings.HasPrefix(reqs[2], "PUT /Groups/") {
		t.Fatalf("requests %q", reqs)
	}
	got, _ := c.GetGroup(ctx, g.ID)
	if got.DisplayName != "H" || !slices.Equal(got.MemberIDs, []string{a.ID}) {
		t.Fatalf("group %+v", got)
	}
	// User updates without PATCH are one PUT of the whole user, with userName.
	cur, _ := c.GetUser(ctx, a.ID)
	srv.requests()
	if _, ch, err := c.UpdateUser(ctx, a.ID, connector.User{UserName: "a", Email: "a2@x.test", Active: true}, cur); err != nil || len(ch) != 1 {
		t.Fatalf("update %v %v", ch, err)
	}
	if reqs := srv.requests(); len(reqs) != 1 || !strings.HasPrefix(reqs[0], "PUT /Users/") || !strings.Contains(reqs[0], `"userName":"a"`) {
		t.Fatalf("requests %q", reqs)
	}
	if err := c.SetActive(ctx, a.ID, false); err != nil {
		t.Fatal(err)
	}
	if u, _ := c.GetUser(ctx, a.ID); u.Active || u.Email != "a2@x.test" {
		t.Fatalf("after SetActive %+v", u)
	}
}

func TestGenericConnectionTest(t *testing.T) {
	srv, hs := newCanned(t, false)
	ctx := context.Background()
	c := open(t, hs.URL, true)
	if err := c.TestConnection(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := strings.Join(srv.requests(), "\n")
	for _, want := range []string{"GET /Users", "POST /Users", "POST /Groups", "DELETE /Groups/", "DELETE /Users/"} {
		if !strings.Contains(reqs, want) {
			t.Errorf("no %s in\n%s", want, reqs)
		}
	}
	srv.mu.Lock()
	left := len(srv.users) + len(srv.groups)
	srv.mu.Unlock()
	if left != 0 {
		t.Fatal("test objects left behind")
	}
	// DELETE refused: the test user is deactivated instead.
	srv.mu.Lock()
	srv.noUserDelete = true
	srv.mu.Unlock()
	if err := c.TestConnection(ctx); err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	for _, u := range srv.users {
		if u["active"] != false {
			t.Errorf("test user left active: %v", u)
		}
	}
	srv.mu.Unlock()
	// A wrong token shows the app's own text.
	bad, err := scimclient.Open(ctx, connector.Config{BaseURL: hs.URL, Token: "nope"})
	if err != nil {
		t.Fatal(err)
	}
	if err := bad.TestConnection(ctx); connector.AsError(err) == nil || !strings.Contains(err.Error(), "bad token") {
		t.Fatalf("wrong token: %v", err)
	}
}

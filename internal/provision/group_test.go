package provision_test

import (
	"slices"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
)

func TestGroupEmptyNotCreated(t *testing.T) {
	e := newEnv(t)
	g := e.group("empty")
	e.activate()
	e.bind(g)
	e.drain()
	if gs := e.remoteGroups(); len(gs) != 0 {
		t.Fatalf("empty group created: %v", gs)
	}
	u := e.user("ann", directory.UserActivated)
	e.add(g, u)
	e.drain()
	if gs := e.remoteGroups(); !slices.Equal(gs["empty"], []string{"ann@acme.test"}) {
		t.Fatalf("groups: %v", gs)
	}
}

func TestGroupTakeOverSameName(t *testing.T) {
	e := newEnv(t)
	pre, err := e.quip.CreateUser(e.ctx, connector.User{Email: "old@acme.test", GivenName: "O", FamilyName: "ld", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.quip.CreateGroup(e.ctx, connector.Group{DisplayName: "eng", MemberIDs: []string{pre.ID}}); err != nil {
		t.Fatal(err)
	}
	u := e.user("ann", directory.UserActivated)
	g := e.group("eng", u)
	e.activate()
	e.bind(g)
	e.drain()
	gs := e.remoteGroups()
	if len(gs) != 1 || !slices.Equal(gs["eng"], []string{"ann@acme.test"}) {
		t.Fatalf("groups: %v", gs)
	}
}

func TestGroupRenameAndMembership(t *testing.T) { testGroupRenameAndMembership(t, newEnv(t)) }

func testGroupRenameAndMembership(t *testing.T, e *env) {
	a, b := e.user("ann", directory.UserActivated), e.user("ben", directory.UserActivated)
	g := e.group("eng", a)
	e.activate()
	e.bind(g)
	e.drain()
	if _, err := e.svc.UpdateGroup(e.ctx, admin, g.ID, directory.GroupUpdate{Name: ptr("engineering")}); err != nil {
		t.Fatal(err)
	}
	e.add(g, b)
	e.drain()
	gs := e.remoteGroups()
	if len(gs) != 1 || !slices.Equal(gs["engineering"], []string{"ann@acme.test", "ben@acme.test"}) {
		t.Fatalf("groups: %v", gs)
	}
	if _, err := e.svc.RemoveMembers(e.ctx, admin, g.ID, []string{a.ID}); err != nil {
		t.Fatal(err)
	}
	e.drain()
	gs = e.remoteGroups()
	if !slices.Equal(gs["engineering"], []string{"ben@acme.test"}) {
		t.Fatalf("groups: %v", gs)
	}
	if e.remoteUsers()["ann@acme.test"].Active {
		t.Fatal("removed member still active")
	}
}

func TestGroupUnbound(t *testing.T) { testGroupUnbound(t, newEnv(t)) }

func testGroupUnbound(t *testing.T, e *env) {
	a, b := e.user("ann", directory.UserActivated), e.user("ben", directory.UserActivated)
	g1, g2 := e.group("one", a, b), e.group("two", b)
	e.activate()
	e.bind(g1, g2)
	e.drain()
	if _, err := e.svc.SetAppGroups(e.ctx, admin, e.appID, []string{g2.ID}); err != nil {
		t.Fatal(err)
	}
	e.drain()
	us := e.remoteUsers()
	if us["ann@acme.test"].Active || !us["ben@acme.test"].Active {
		t.Fatalf("users: %+v", us)
	}
	gs := e.remoteGroups()
	if !slices.Equal(gs["one"], []string{"ann@acme.test", "ben@acme.test"}) {
		t.Fatalf("unbound group changed: %v", gs)
	}
	// It stops syncing: a rename is not pushed.
	if _, err := e.svc.UpdateGroup(e.ctx, admin, g1.ID, directory.GroupUpdate{Name: ptr("uno")}); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if _, ok := e.remoteGroups()["one"]; !ok {
		t.Fatal("unbound group was renamed")
	}
}

func TestGroupDeleted(t *testing.T) { testGroupDeleted(t, newEnv(t)) }

func testGroupDeleted(t *testing.T, e *env) {
	a, b := e.user("ann", directory.UserActivated), e.user("ben", directory.UserActivated)
	g1, g2 := e.group("one", a, b), e.group("two", b)
	e.activate()
	e.bind(g1, g2)
	e.drain()
	if err := e.svc.DeleteGroup(e.ctx, admin, g1.ID); err != nil {
		t.Fatal(err)
	}
	e.drain()
	gs := e.remoteGroups()
	if _, ok := gs["one"]; ok || len(gs) != 1 {
		t.Fatalf("groups: %v", gs)
	}
	us := e.remoteUsers()
	if us["ann@acme.test"].Active || !us["ben@acme.test"].Active {
		t.Fatalf("users: %+v", us)
	}
	if e.events.count(provision.EvGroupDelete) != 1 {
		t.Fatalf("events: %v", e.events.names())
	}
}

func TestGroupManagementOff(t *testing.T) {
	e := newEnv(t)
	a, b := e.user("ann", directory.UserActivated), e.user("ben", directory.UserActivated)
	g := e.group("eng", a)
	e.activate()
	e.bind(g)
	e.drain()
	if _, err := e.mgr.Configure(e.ctx, "admin:a1", e.appID, provision.SettingsUpdate{GroupsEnabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	e.add(g, b)
	if _, err := e.svc.UpdateGroup(e.ctx, admin, g.ID, directory.GroupUpdate{Name: ptr("engineering")}); err != nil {
		t.Fatal(err)
	}
	e.drain()
	gs := e.remoteGroups()
	if !slices.Equal(gs["eng"], []string{"ann@acme.test"}) || len(gs) != 1 {
		t.Fatalf("groups changed with management off: %v", gs)
	}
	if !e.remoteUsers()["ben@acme.test"].Active {
		t.Fatal("users no longer managed")
	}
}

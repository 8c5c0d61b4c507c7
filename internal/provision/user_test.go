package provision_test

import (
	"slices"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

func sortStrings(s []string) []string { slices.Sort(s); return s }

func ptr[T any](v T) *T { return &v }

func TestUserLifecycle(t *testing.T) { testUserLifecycle(t, newEnv(t)) }

func testUserLifecycle(t *testing.T, e *env) {
	alice := e.user("alice", directory.UserActivated)
	bob := e.user("bob", directory.UserActivated)
	g := e.group("sales", alice, bob)
	e.activate()
	e.drain()
	if n := len(e.remoteUsers()); n != 0 {
		t.Fatalf("users before binding: %d", n)
	}
	e.bind(g)
	e.drain()
	us := e.remoteUsers()
	if len(us) != 2 || !us["alice@acme.test"].Active || us["alice@acme.test"].GivenName != "Falice" {
		t.Fatalf("after bind: %+v", us)
	}

	// An update pushes only the change.
	before := e.events.count("user_update_provision")
	if _, err := e.svc.UpdateUser(e.ctx, admin, alice.ID, directory.UserUpdate{LastName: ptr("Smith")}); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if got := e.remoteUsers()["alice@acme.test"]; got.FamilyName != "Smith" {
		t.Fatalf("family name not pushed: %+v", got)
	}
	if n := e.events.count("user_update_provision") - before; n != 1 {
		t.Fatalf("update events = %d, want 1", n)
	}
	// Draining again sends nothing.
	e.drain()

	// Suspend: deactivated.
	if _, err := e.svc.UpdateUser(e.ctx, admin, bob.ID, directory.UserUpdate{State: ptr(directory.UserSuspended)}); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if got := e.remoteUsers()["bob@acme.test"]; got.Active {
		t.Fatalf("suspended user still active: %+v", got)
	}
	// Reactivate.
	if _, err := e.svc.UpdateUser(e.ctx, admin, bob.ID, directory.UserUpdate{State: ptr(directory.UserActivated)}); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if got := e.remoteUsers()["bob@acme.test"]; !got.Active {
		t.Fatalf("reactivated user inactive: %+v", got)
	}

	// Delete: DELETE deactivates in Quip.
	if err := e.svc.DeleteUser(e.ctx, admin, bob.ID); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if got, ok := e.remoteUsers()["bob@acme.test"]; !ok || got.Active {
		t.Fatalf("deleted user: %+v (present %v)", got, ok)
	}
	if e.events.count("user_delete_provision") != 1 {
		t.Fatalf("events: %v", e.events.names())
	}

	// Re-create with the same email: the old account's email is released.
	bob2 := e.user("bob", directory.UserActivated)
	e.add(g, bob2)
	e.drain()
	us = e.remoteUsers()
	if got := us["bob@acme.test"]; !got.Active {
		t.Fatalf("re-created user: %+v", us)
	}
	released := 0
	for email, u := range us {
		if email != "bob@acme.test" && !u.Active && email != "alice@acme.test" {
			released++
		}
	}
	if released != 1 {
		t.Fatalf("released accounts = %d: %+v", released, us)
	}
	st, err := provisionStatus(e)
	if err != nil || st.QueueDepth != 0 || st.State != "healthy" {
		t.Fatalf("status %+v %v", st, err)
	}
}

package provision_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
)

// The full reconcile lists the app's users once and marks only the users
// that drifted (and the groups); working them puts the app right.
func TestFullReconcileWorksOnlyDrift(t *testing.T) {
	e := newEnv(t)
	rt := &countingRT{next: e.srv.Client().Transport}
	e.mgr.HTTPClient = &http.Client{Transport: rt}
	e.activate()
	var users []*directory.User
	for i := range 20 {
		users = append(users, e.user(fmt.Sprintf("f%02d", i), directory.UserActivated))
	}
	g := e.group("fr", users...)
	e.bind(g)
	e.converge()
	// Directory side: f18 suspended, f19 out of the group; both accounts
	// are deactivated and stay linked.
	if _, err := e.svc.UpdateUser(e.ctx, admin, users[18].ID, directory.UserUpdate{State: ptr(directory.UserSuspended)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.RemoveMembers(e.ctx, admin, g.ID, []string{users[19].ID}); err != nil {
		t.Fatal(err)
	}
	e.converge()
	remote := e.remoteUsers()
	if remote["f18@acme.test"].Active || remote["f19@acme.test"].Active || !remote["f00@acme.test"].Active {
		t.Fatalf("before drift: %+v", remote)
	}

	// Drift made in the app, and a link to an account that is gone.
	ru := remote["f01@acme.test"]
	if _, _, err := e.quip.UpdateUser(e.ctx, ru.ID, connector.User{GivenName: "Renamed", FamilyName: "InQuip",
		Email: ru.Email, Active: true}, &ru); err != nil {
		t.Fatal(err)
	}
	for _, who := range []struct {
		email  string
		active bool
	}{{"f02@acme.test", false}, {"f18@acme.test", true}, {"f19@acme.test", true}} {
		if err := e.quip.SetActive(e.ctx, remote[who.email].ID, who.active); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.store.UpdateTx(e.ctx, func(tx *sqlstoreTx) error {
		_, err := tx.Exec(e.ctx, `UPDATE prov_links SET remote_id = 'gone-account' WHERE app_id = ? AND kind = 'user' AND subject_id = ?`,
			e.appID, users[3].ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}

	sent := rt.n.Load()
	if err := e.eng.MarkAll(e.ctx); err != nil {
		t.Fatal(err)
	}
	if n := rt.n.Load() - sent; n != 1 {
		t.Fatalf("full reconcile of 20 users sent %d requests, want one listing page", n)
	}
	st, err := provision.QueueStatus(e.ctx, e.store, e.appID, e.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	// f01, f02, f03, f18, f19 and the group.
	if st.QueueDepth != 6 {
		t.Fatalf("queue depth %d after the full reconcile, want 6", st.QueueDepth)
	}
	e.converge()
	after := e.remoteUsers()
	if len(after) != 20 {
		t.Fatalf("app has %d users, want 20 (nothing duplicated)", len(after))
	}
	for email, u := range after {
		want := email != "f18@acme.test" && email != "f19@acme.test"
		if u.Active != want {
			t.Errorf("%s active %v, want %v", email, u.Active, want)
		}
	}
	if u := after["f01@acme.test"]; u.GivenName == "Renamed" || u.ID != ru.ID {
		t.Errorf("f01 not put right in place: %+v", u)
	}
	// Converged again: a second full reconcile marks only the group.
	if err := e.eng.MarkAll(e.ctx); err != nil {
		t.Fatal(err)
	}
	if st, err := provision.QueueStatus(e.ctx, e.store, e.appID, e.clk.Now()); err != nil || st.QueueDepth != 1 {
		t.Fatalf("queue after a converged full reconcile: %+v %v", st, err)
	}
}

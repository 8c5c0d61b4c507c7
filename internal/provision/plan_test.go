package provision_test

import (
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
)

func TestPlanAndSyncNow(t *testing.T) { testPlanAndSyncNow(t, newEnv(t)) }

func testPlanAndSyncNow(t *testing.T, e *env) {
	a, b := e.user("ann", directory.UserActivated), e.user("ben", directory.UserSuspended)
	g := e.group("eng", a, b)
	e.activate()
	e.bind(g)
	p, err := e.eng.Plan(e.ctx, e.appID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"user:ann@acme.test": "create", "group:eng": "create"}
	if len(p.Items) != len(want) {
		t.Fatalf("plan %+v", p.Items)
	}
	for _, it := range p.Items {
		if want[it.Kind+":"+it.Name] != it.Action {
			t.Fatalf("plan item %+v", it)
		}
	}
	if n := len(e.remoteUsers()); n != 0 {
		t.Fatalf("the plan changed the app: %d users", n)
	}
	out, err := e.eng.SyncNow(e.ctx, e.appID, provision.KindUser, a.ID)
	if err != nil || !out.Success {
		t.Fatalf("sync now: %+v %v", out, err)
	}
	if !e.remoteUsers()["ann@acme.test"].Active {
		t.Fatal("sync now did not create the user")
	}
	if _, err := e.eng.SyncNow(e.ctx, e.appID, provision.KindUser, "nope"); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Fatalf("unknown user: %v", err)
	}
	if _, err := e.eng.SyncNow(e.ctx, e.appID, "thing", a.ID); directory.ErrorCode(err) != directory.EINVALID {
		t.Fatalf("bad kind: %v", err)
	}
	e.drain()
	p, err = e.eng.Plan(e.ctx, e.appID)
	if err != nil || len(p.Items) != 0 {
		t.Fatalf("plan after sync: %+v %v", p, err)
	}
}

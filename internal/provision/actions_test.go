package provision_test

import (
	"errors"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

func TestEndSessions(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice", directory.UserActivated)
	carol := e.user("carol", directory.UserActivated)
	g := e.group("sales", alice)
	e.activate()
	e.bind(g)
	e.drain()
	remote := e.remoteUsers()["alice@acme.test"]
	tok, err := e.sim.StartSession(e.ctx, mustCompany(e), remote.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.SessionUser(e.ctx, tok); err != nil {
		t.Fatalf("session before: %v", err)
	}
	before := e.events.count("user_update_provision")
	out, err := e.eng.EndSessions(e.ctx, e.appID, alice.ID)
	if err != nil || !out.Success {
		t.Fatalf("end sessions: %+v %v", out, err)
	}
	if _, err := e.sim.SessionUser(e.ctx, tok); err == nil {
		t.Fatal("session still valid after end-sessions")
	}
	if got := e.remoteUsers()["alice@acme.test"]; !got.Active {
		t.Fatalf("user left inactive: %+v", got)
	}
	if n := e.events.count("user_update_provision") - before; n != 1 {
		t.Fatalf("update events = %d, want 1", n)
	}

	// Refusals: not provisioned, unknown, inactive integration.
	var de *directory.Error
	if _, err := e.eng.EndSessions(e.ctx, e.appID, carol.ID); !errors.As(err, &de) || de.Code != directory.ECONFLICT {
		t.Fatalf("unprovisioned user: %v", err)
	}
	if _, err := e.eng.EndSessions(e.ctx, e.appID, "nope"); !errors.As(err, &de) || de.Code != directory.ENOTFOUND {
		t.Fatalf("unknown user: %v", err)
	}
	if _, err := e.mgr.Deactivate(e.ctx, "admin:a1", e.appID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.EndSessions(e.ctx, e.appID, alice.ID); !errors.As(err, &de) || de.Code != directory.ECONFLICT {
		t.Fatalf("inactive integration: %v", err)
	}
}

package provision_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
)

func TestConvergesWithFaults(t *testing.T) { testConvergesWithFaults(t, newEnv(t)) }

func testConvergesWithFaults(t *testing.T, e *env) {
	e.activate()
	var users []*directory.User
	for i := range 30 {
		users = append(users, e.user(fmt.Sprintf("u%02d", i), directory.UserActivated))
	}
	g1, g2 := e.group("alpha", users[:20]...), e.group("beta", users[10:]...)
	if err := e.sim.SetFaults(quipsim.Faults{ErrorRate: 0.15, ThrottleRate: 0.1, DropRate: 0.05, RetryAfter: time.Second}); err != nil {
		t.Fatal(err)
	}
	e.bind(g1, g2)
	e.converge()
	if err := e.sim.SetFaults(quipsim.Faults{}); err != nil {
		t.Fatal(err)
	}
	us, gs := e.remoteUsers(), e.remoteGroups()
	if len(us) != 30 || len(gs) != 2 || len(gs["alpha"]) != 20 || len(gs["beta"]) != 20 {
		t.Fatalf("users %d groups %v", len(us), gs)
	}
	for email, u := range us {
		if !u.Active {
			t.Errorf("%s inactive", email)
		}
	}
	// Failed attempts are events with the app's status.
	failed := map[int]int{}
	e.events.mu.Lock()
	for _, ev := range e.events.evs {
		if !ev.Success {
			failed[ev.Status]++
		}
	}
	e.events.mu.Unlock()
	if failed[429]+failed[500]+failed[503] == 0 {
		t.Fatalf("no failed attempt recorded with the app's status: %v", failed)
	}
}

func TestCrashSafety(t *testing.T) { testCrashSafety(t, newEnv(t)) }

func testCrashSafety(t *testing.T, e *env) {
	e.activate()
	var users []*directory.User
	for i := range 20 {
		users = append(users, e.user(fmt.Sprintf("c%02d", i), directory.UserActivated))
	}
	e.bind(e.group("crew", users...))
	if err := e.sim.SetFaults(quipsim.Faults{Latency: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	// Stop the engine mid-sync.
	ctx, cancel := context.WithTimeout(e.ctx, 150*time.Millisecond)
	_ = e.eng.Drain(ctx)
	cancel()
	if err := e.sim.SetFaults(quipsim.Faults{}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	e.open()
	e.clk.Add(time.Hour) // leases of the stopped engine expire
	e.converge()
	us, gs := e.remoteUsers(), e.remoteGroups()
	if len(us) != 20 || len(gs["crew"]) != 20 {
		t.Fatalf("users %d groups %v", len(us), gs)
	}
}

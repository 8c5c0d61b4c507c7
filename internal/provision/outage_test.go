package provision_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
)

// TestApplicationDownForHours: while the application answers nothing but
// errors for six hours, its queue holds every change, retries back off up
// to the cap, and the status says "stalled" with the last error; when it
// returns, the queue catches up within one capped backoff, without a single
// 429 from the application's rate limit.
func TestApplicationDownForHours(t *testing.T) {
	e := newEnvWith(t, "sqlite:"+t.TempDir()+"/jg.db", func(c *quipsim.Config) { c.RateLimit = quipsim.DefaultRateLimit })
	e.activate()
	var users []*directory.User
	for i := range 30 {
		users = append(users, e.user(fmt.Sprintf("u%02d", i), directory.UserActivated))
	}
	if err := e.sim.SetFaults(quipsim.Faults{ErrorRate: 1}); err != nil {
		t.Fatal(err)
	}
	e.bind(e.group("Quip Users", users...))

	// Six hours down, the engine looking every minute.
	start := e.clk.Now()
	for e.clk.Now().Sub(start) < 6*time.Hour {
		e.drain()
		e.clk.Add(time.Minute)
	}
	st, err := provision.QueueStatus(e.ctx, e.store, e.appID, e.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if st.State != "stalled" || st.QueueDepth < len(users) || st.LastError == "" || st.NextRetry == nil {
		t.Fatalf("status after six hours down: %+v", st)
	}
	for _, ev := range e.events.snapshot() {
		if ev.Subject == "user" && ev.Success {
			t.Fatalf("a user reached the application while it was down: %+v", ev)
		}
	}
	// Backoff: few attempts per user, and never more than the cap (1 h,
	// plus jitter) between two of them.
	attempts := map[string][]time.Time{}
	for _, ev := range e.events.snapshot() {
		if ev.Subject == "user" && !ev.Success {
			attempts[ev.SubjectID] = append(attempts[ev.SubjectID], ev.At)
		}
	}
	if len(attempts) != len(users) {
		t.Fatalf("%d users were tried, want %d", len(attempts), len(users))
	}
	for id, ts := range attempts {
		sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
		if len(ts) > 25 {
			t.Errorf("user %s was tried %d times in six hours", id, len(ts))
		}
		for i := 1; i < len(ts); i++ {
			if gap := ts[i].Sub(ts[i-1]); gap > 75*time.Minute {
				t.Errorf("user %s waited %v between two attempts (cap 1 h)", id, gap)
			}
		}
	}

	// The application returns: everything arrives within one capped backoff.
	if err := e.sim.SetFaults(quipsim.Faults{}); err != nil {
		t.Fatal(err)
	}
	back := e.clk.Now()
	before := len(e.events.snapshot())
	for {
		e.drain()
		st, err = provision.QueueStatus(e.ctx, e.store, e.appID, e.clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		if st.QueueDepth == 0 {
			break
		}
		if e.clk.Now().Sub(back) > 90*time.Minute {
			t.Fatalf("not caught up 90 minutes after the application returned: %+v", st)
		}
		e.clk.Add(time.Minute)
	}
	if st.State != "healthy" || len(e.remoteUsers()) != len(users) {
		t.Fatalf("after catching up: %+v, %d users in the application", st, len(e.remoteUsers()))
	}
	for _, ev := range e.events.snapshot()[before:] {
		if ev.Status == 429 {
			t.Fatalf("the application answered 429 while catching up: %+v", ev)
		}
	}
	t.Logf("caught up %v after the application returned", e.clk.Now().Sub(back))
}

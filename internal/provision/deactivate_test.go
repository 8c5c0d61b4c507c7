package provision_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
)

// Deactivating mid-sync ends in-flight work with an error outcome; the
// rest waits, and reactivation converges.
func TestDeactivateMidSync(t *testing.T) {
	e := newEnv(t)
	e.activate()
	var users []*directory.User
	for i := range 30 {
		users = append(users, e.user(fmt.Sprintf("d%02d", i), directory.UserActivated))
	}
	if err := e.sim.SetFaults(quipsim.Faults{Latency: 15 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	e.bind(e.group("dd", users...))
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := e.eng.Drain(e.ctx); err != nil {
			t.Error(err)
		}
	})
	time.Sleep(60 * time.Millisecond)
	if _, err := e.mgr.Deactivate(e.ctx, "admin:a1", e.appID); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := e.sim.SetFaults(quipsim.Faults{}); err != nil {
		t.Fatal(err)
	}
	n := len(e.remoteUsers())
	if n >= 30 {
		t.Fatalf("all %d users synced despite deactivation", n)
	}
	st, err := provisionStatus(e)
	if err != nil || st.QueueDepth == 0 || st.State != "inactive" {
		t.Fatalf("status %+v %v", st, err)
	}
	if _, err := e.mgr.Activate(e.ctx, "admin:a1", e.appID); err != nil {
		t.Fatal(err)
	}
	e.converge()
	if n := len(e.remoteUsers()); n != 30 {
		t.Fatalf("users after reactivation %d", n)
	}
	// A full reconcile of a converged app changes nothing.
	before := len(e.events.names())
	if err := e.eng.MarkAll(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.converge()
	for _, name := range e.events.names()[before:] {
		if name != "user_lookup_provision" {
			t.Fatalf("full reconcile of a converged app sent %s", name)
		}
	}
}

// The periodic full reconcile keeps the backoff of failing keys, and an
// app it cannot list is left as it is, with the failure recorded.
func TestFullReconcileKeepsBackoff(t *testing.T) {
	e := newEnv(t)
	e.activate()
	u := e.user("bo", directory.UserActivated)
	e.bind(e.group("bo", u))
	failing := &failPostRT{next: e.srv.Client().Transport}
	failing.on.Store(true)
	e.mgr.HTTPClient = &http.Client{Transport: failing}
	e.drain()
	st, err := provisionStatus(e)
	if err != nil || st.State != "backing_off" || st.NextRetry == nil || !st.NextRetry.After(e.clk.Now()) || st.LastError == "" {
		t.Fatalf("status %+v %v", st, err)
	}
	// The listing works: the user without an account is marked again,
	// softly.
	if err := e.eng.MarkAll(e.ctx); err != nil {
		t.Fatal(err)
	}
	st2, err := provisionStatus(e)
	if err != nil || st2.NextRetry == nil || !st2.NextRetry.Equal(*st.NextRetry) {
		t.Fatalf("full reconcile changed the backoff: %+v -> %+v", st, st2)
	}
	// The app answers nothing: no key changes, the error is returned and
	// recorded.
	if err := e.sim.SetFaults(quipsim.Faults{ErrorRate: 1}); err != nil {
		t.Fatal(err)
	}
	before := len(e.events.snapshot())
	if err := e.eng.MarkAll(e.ctx); err == nil {
		t.Fatal("full reconcile of an app that answers 5xx succeeded")
	}
	evs := e.events.snapshot()[before:]
	if len(evs) != 1 || evs[0].Name != provision.EvUserLookup || evs[0].Success || evs[0].Status < 500 ||
		!strings.Contains(evs[0].Detail, "full reconcile") {
		t.Fatalf("events %+v", evs)
	}
	st3, err := provisionStatus(e)
	if err != nil || st3.NextRetry == nil || !st3.NextRetry.Equal(*st.NextRetry) {
		t.Fatalf("failed full reconcile changed the backoff: %+v -> %+v", st, st3)
	}
	if err := e.sim.SetFaults(quipsim.Faults{}); err != nil {
		t.Fatal(err)
	}
	failing.on.Store(false)
	e.converge()
	if !e.remoteUsers()["bo@acme.test"].Active {
		t.Fatal("not converged")
	}
}

// failPostRT answers every POST with 503 while on.
type failPostRT struct {
	next http.RoundTripper
	on   atomic.Bool
}

func (f *failPostRT) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.on.Load() && r.Method == http.MethodPost {
		if r.Body != nil {
			r.Body.Close()
		}
		return &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable", Proto: "HTTP/1.1",
			ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{"Content-Type": {"text/plain"}},
			Body: io.NopCloser(strings.NewReader("down for maintenance")), Request: r}, nil
	}
	return f.next.RoundTrip(r)
}

package provision_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
)

type statusRT struct {
	next    http.RoundTripper
	n, n429 atomic.Int64
}

func (s *statusRT) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := s.next.RoundTrip(r)
	s.n.Add(1)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		s.n429.Add(1)
	}
	return resp, err
}

// The engine paces calls from the app's rate-limit headers: 40 users into
// a Quip limited to 30 requests a minute, without one 429.
func TestRateLimitPacing(t *testing.T) {
	e := newEnvWith(t, "sqlite:"+filepath.Join(t.TempDir(), "jg.db"), func(c *quipsim.Config) { c.RateLimit = 30 })
	rt := &statusRT{next: e.srv.Client().Transport}
	e.mgr.HTTPClient = &http.Client{Transport: rt}
	var slept atomic.Int64
	e.eng.Workers, e.eng.AppParallel = 1, 1
	e.eng.Sleep = func(ctx context.Context, d time.Duration) error {
		slept.Add(int64(d))
		e.clk.Add(d)
		return nil
	}
	var users []*directory.User
	for i := range 40 {
		users = append(users, e.user(fmt.Sprintf("r%02d", i), directory.UserActivated))
	}
	e.activate()
	e.bind(e.group("rl", users...))
	e.converge()
	if n := len(e.remoteUsers()); n != 40 {
		t.Fatalf("users %d", n)
	}
	if rt.n429.Load() != 0 {
		t.Fatalf("%d answers of 429 in %d requests", rt.n429.Load(), rt.n.Load())
	}
	if time.Duration(slept.Load()) < time.Minute {
		t.Fatalf("paced only %v for %d requests", time.Duration(slept.Load()), rt.n.Load())
	}
}

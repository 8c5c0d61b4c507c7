package provision_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
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

// advanceTo moves the clock forward to t (never back).
func (c *clock) advanceTo(t time.Time) {
	c.mu.Lock()
	if t.After(c.t) {
		c.t = t
	}
	c.mu.Unlock()
}

// BenchmarkRateLimited provisions JUMPGATE_BENCH_RL_USERS users (default
// 1500, about 3,000 requests: 5 simulated minutes) in one bound group into a quipsim limited to 600 requests a minute,
// with the engine's default concurrency. Quipsim and the engine share an
// injected clock: a Sleep moves it to the sleeper's wake-up time (sleeps
// overlap as in real time; requests take no simulated time, which only
// makes the load harsher), so minutes of pacing run in seconds. It reports
// the share of requests answered 429 (target ≤ 1%) and the simulated
// request rate.
func BenchmarkRateLimited(b *testing.B) {
	size := 1500
	if v, err := strconv.Atoi(os.Getenv("JUMPGATE_BENCH_RL_USERS")); err == nil && v > 0 {
		size = v
	}
	for range b.N {
		b.StopTimer()
		e := newEnvWith(b, "sqlite:"+filepath.Join(b.TempDir(), "jg.db"), func(c *quipsim.Config) { c.RateLimit = 600 })
		rt := &statusRT{next: e.srv.Client().Transport}
		e.mgr.HTTPClient = &http.Client{Transport: rt}
		e.eng.Sleep = func(ctx context.Context, d time.Duration) error {
			e.clk.advanceTo(e.clk.Now().Add(d))
			return ctx.Err()
		}
		var users []*directory.User
		for i := range size {
			users = append(users, e.user(fmt.Sprintf("q%05d", i), directory.UserActivated))
		}
		e.activate()
		g := e.group("rl")
		for chunk := range slices.Chunk(users, 500) {
			e.add(g, chunk...)
		}
		e.bind(g)
		v0 := e.clk.Now()
		b.StartTimer()
		e.drainAll()
		b.StopTimer()
		if n := len(e.remoteUsers()); n != size {
			b.Fatalf("users %d of %d", n, size)
		}
		n, n429 := rt.n.Load(), rt.n429.Load()
		sim := e.clk.Now().Sub(v0)
		b.ReportMetric(float64(n), "requests")
		b.ReportMetric(100*float64(n429)/float64(n), "%429")
		b.ReportMetric(sim.Minutes(), "sim-min")
		b.ReportMetric(float64(n)/sim.Minutes(), "req/sim-min")
	}
}

// drainAll drains until the queue is empty, letting the clock run only
// through the engine's own sleeps and the backoffs of failed keys.
func (e *env) drainAll() {
	e.t.Helper()
	for range 10000 {
		e.drain()
		st, err := provision.QueueStatus(e.ctx, e.store, e.appID, e.clk.Now())
		if err != nil {
			e.t.Fatal(err)
		}
		if st.QueueDepth == 0 {
			return
		}
		if st.NextRetry != nil {
			e.clk.advanceTo(*st.NextRetry)
		} else {
			e.clk.Add(time.Second)
		}
	}
	e.t.Fatal("queue never emptied")
}

// Two engines on one database (two replicas) take their requests to one
// app from one schedule kept in the database: with the clock standing
// still, every paced request of either engine gets its own slot, one
// interval after the previous (a minute over the app's limit), so
// together they keep to the limit rather than each using all of it.
func TestRateLimitSharedByEngines(t *testing.T) {
	// quipsim itself does not limit; the app's limit (60 a minute: one
	// request a second, a burst of 6) comes in headers added to each answer.
	e := newEnvWith(t, "sqlite:"+filepath.Join(t.TempDir(), "jg.db"), func(c *quipsim.Config) { c.RateLimit = -1 })
	e.mgr.HTTPClient = &http.Client{Transport: &limitHeaderRT{next: e.srv.Client().Transport, limit: 60}}
	var mu sync.Mutex
	var waits []time.Duration
	slept := map[string]int{}
	sleeper := func(name string) func(context.Context, time.Duration) error {
		return func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			waits = append(waits, d)
			slept[name]++
			return ctx.Err()
		}
	}
	e.eng.Workers, e.eng.AppParallel, e.eng.Sleep = 4, 4, sleeper("a")
	other := &provision.Engine{Store: e.store, Manager: e.mgr, Owner: "replica-b", Now: e.clk.Now, Workers: 4, AppParallel: 4,
		Sleep: sleeper("b"), Rand: rand.New(rand.NewPCG(3, 4))}
	var users []*directory.User
	for i := range 60 {
		users = append(users, e.user(fmt.Sprintf("w%02d", i), directory.UserActivated))
	}
	e.activate()
	e.bind(e.group("rl2", users...))
	e.drainTogether(other)
	if n := len(e.remoteUsers()); n != 60 {
		t.Fatalf("users %d", n)
	}
	if slept["a"] < 10 || slept["b"] < 10 {
		t.Fatalf("paced requests per engine %v: both should have worked and waited", slept)
	}
	slices.Sort(waits)
	for i, d := range waits {
		if want := time.Duration(i+1) * time.Second; d != want {
			t.Fatalf("paced request %d of %d waits %v, want %v (one slot each, a second apart)", i+1, len(waits), d, want)
		}
	}
}

// limitHeaderRT adds an application's rate-limit headers to every answer.
type limitHeaderRT struct {
	next  http.RoundTripper
	limit int
}

func (l *limitHeaderRT) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	if err == nil {
		resp.Header.Set("X-Scim-RateLimit-Limit", strconv.Itoa(l.limit))
		resp.Header.Set("X-Scim-RateLimit-Remaining", strconv.Itoa(l.limit))
	}
	return resp, err
}

// A schedule left far ahead (the clock stepped back by hours) starts again
// from now instead of holding every request for hours.
func TestRateLimitScheduleAfterClockStepsBack(t *testing.T) {
	e := newEnvWith(t, "sqlite:"+filepath.Join(t.TempDir(), "jg.db"), func(c *quipsim.Config) { c.RateLimit = -1 })
	e.mgr.HTTPClient = &http.Client{Transport: &limitHeaderRT{next: e.srv.Client().Transport, limit: 60}}
	var longest atomic.Int64
	e.eng.Sleep = func(ctx context.Context, d time.Duration) error {
		if int64(d) > longest.Load() {
			longest.Store(int64(d))
		}
		return ctx.Err()
	}
	var users []*directory.User
	for i := range 20 {
		users = append(users, e.user(fmt.Sprintf("c%02d", i), directory.UserActivated))
	}
	e.activate()
	if err := e.store.UpdateTx(e.ctx, func(tx *sqlstoreTx) error {
		_, err := tx.Exec(e.ctx, `UPDATE app_idm SET pace_tat = ? WHERE app_id = ?`, e.clk.Now().Add(10*time.Hour).UnixMicro(), e.appID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	e.bind(e.group("cs", users...))
	e.drain()
	if n := len(e.remoteUsers()); n != 20 {
		t.Fatalf("users %d", n)
	}
	if d := time.Duration(longest.Load()); d > time.Minute {
		t.Fatalf("a request waited %v for a schedule 10 h ahead", d)
	}
}

package provision_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
)

type countingRT struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// BenchmarkInitialProvisioning provisions JUMPGATE_BENCH_USERS users
// (default 2000) in 10 bound groups into quipsim (rate limit off) and
// reports users/s and SCIM requests per user (sub-benchmark "initial");
// then, on that state, a full reconcile with nothing changed
// ("full-reconcile-no-change"). Run it with -benchtime 1x: the second
// needs the first's state.
func BenchmarkInitialProvisioning(b *testing.B) {
	size := 2000
	if v, err := strconv.Atoi(os.Getenv("JUMPGATE_BENCH_USERS")); err == nil && v > 0 {
		size = v
	}
	e := newEnv(b)
	rt := &countingRT{next: e.srv.Client().Transport}
	e.mgr.HTTPClient = &http.Client{Transport: rt}
	e.eng.Workers = 8
	var groups []*directory.Group
	for g := range 10 {
		groups = append(groups, e.group(fmt.Sprintf("bg%d", g)))
	}
	members := make([][]*directory.User, 10)
	t0 := time.Now()
	for i := range size {
		u := e.user(fmt.Sprintf("b%06d", i), directory.UserActivated)
		members[i%10] = append(members[i%10], u)
		if len(members[i%10]) == 500 {
			e.add(groups[i%10], members[i%10]...)
			members[i%10] = members[i%10][:0]
		}
	}
	for g, ms := range members {
		e.add(groups[g], ms...)
	}
	b.Logf("directory of %d users built in %v", size, time.Since(t0).Round(time.Millisecond))
	e.activate()
	e.bind(groups...)
	phase := func(name string, run func()) {
		b.Run(name, func(b *testing.B) {
			start := rt.n.Load()
			t0 := time.Now()
			b.ResetTimer()
			run()
			b.StopTimer()
			el := time.Since(t0)
			b.ReportMetric(el.Seconds(), "s")
			b.ReportMetric(float64(size)/el.Seconds(), "users/s")
			b.ReportMetric(float64(rt.n.Load()-start)/float64(size), "requests/user")
		})
	}
	phase("initial", e.converge)
	phase("full-reconcile-no-change", func() {
		if err := e.eng.MarkAll(e.ctx); err != nil {
			b.Fatal(err)
		}
		e.converge()
	})
}

type latencySink struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func (s *latencySink) Record(_ context.Context, ev provision.Event) error {
	if ev.Name == provision.EvUserUpdate && ev.Success {
		s.mu.Lock()
		s.seen[ev.SubjectID] = time.Now()
		s.mu.Unlock()
	}
	return nil
}

func (s *latencySink) at(id string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.seen[id]
	delete(s.seen, id)
	return t, ok
}

// BenchmarkChangeToApp measures, with the engine running (Poll 10 ms),
// the time from a committed directory change to its update in quipsim.
func BenchmarkChangeToApp(b *testing.B) {
	e := newEnv(b)
	u := e.user("lat", directory.UserActivated)
	e.bind(e.group("latency", u))
	e.activate()
	e.converge()
	sink := &latencySink{seen: map[string]time.Time{}}
	eng := &provision.Engine{Store: e.store, Manager: e.mgr, Events: sink, Poll: 10 * time.Millisecond, FullReconcile: -1}
	ctx, cancel := context.WithCancel(e.ctx)
	var wg sync.WaitGroup
	wg.Go(func() { eng.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()
	var lat []time.Duration
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		if _, err := e.svc.UpdateUser(e.ctx, directory.SystemActor, u.ID, directory.UserUpdate{LastName: ptr(fmt.Sprintf("N%d", i))}); err != nil {
			b.Fatal(err)
		}
		for {
			if t, ok := sink.at(u.ID); ok {
				lat = append(lat, t.Sub(t0))
				break
			}
			time.Sleep(200 * time.Microsecond)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

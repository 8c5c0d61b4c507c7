package lease_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/lease"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore/sqltest"
)

// runs records when a duty ran, by whom, and whether two runs overlapped.
type runs struct {
	mu      sync.Mutex
	starts  []time.Time
	holders []string
	running atomic.Int32
	overlap atomic.Bool
}

func (r *runs) fn(holder string, d time.Duration) func(context.Context) error {
	return func(ctx context.Context) error {
		if r.running.Add(1) > 1 {
			r.overlap.Store(true)
		}
		defer r.running.Add(-1)
		r.mu.Lock()
		r.starts = append(r.starts, time.Now())
		r.holders = append(r.holders, holder)
		r.mu.Unlock()
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
		return nil
	}
}

func (r *runs) snapshot() ([]time.Time, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.starts...), append([]string(nil), r.holders...)
}

// start runs the duty on a new replica (its own store and holder) until
// the returned stop.
func start(t *testing.T, dsn, holder string, interval time.Duration, fn func(context.Context) error) (stop func()) {
	r := &lease.Runner{Leases: &lease.Store{DB: open(t, dsn)}, Holder: holder, Poll: 20 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { r.RunDuty(ctx, "duty", interval, fn) })
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}

// tolerance covers the time between taking the lease and fn's start.
const tolerance = 60 * time.Millisecond

// Two replicas run one duty: one run per interval in all, never two at once.
func TestDutyRunsOnceAcrossReplicas(t *testing.T) {
	sqltest.Backends(t, func(t *testing.T, dsn string) {
		const interval = 400 * time.Millisecond
		r := &runs{}
		stopA := start(t, dsn, "A", interval, r.fn("A", 30*time.Millisecond))
		stopB := start(t, dsn, "B", interval, r.fn("B", 30*time.Millisecond))
		time.Sleep(1500 * time.Millisecond)
		stopA()
		stopB()
		starts, holders := r.snapshot()
		span := time.Since(starts[0])
		if most := int(span/interval) + 1; len(starts) > most || len(starts) < most-1 {
			t.Fatalf("%d runs in %v at a %v interval, want %d (or one less): %v", len(starts), span, interval, most, holders)
		}
		for i := 1; i < len(starts); i++ {
			if gap := starts[i].Sub(starts[i-1]); gap < interval-tolerance {
				t.Fatalf("runs %d and %d only %v apart (%v)", i-1, i, gap, holders)
			}
		}
		if r.overlap.Load() {
			t.Fatal("two runs overlapped")
		}
	})
}

// A replica that stops (crashes: its lease is not released) hands the duty
// over to another once the lease expires.
func TestDutyHandsOverAfterExpiry(t *testing.T) {
	sqltest.Backends(t, func(t *testing.T, dsn string) {
		const interval = 300 * time.Millisecond
		r := &runs{}
		stopA := start(t, dsn, "A", interval, r.fn("A", 0))
		deadline := time.Now().Add(5 * time.Second)
		for starts, _ := r.snapshot(); len(starts) == 0; starts, _ = r.snapshot() {
			if time.Now().After(deadline) {
				t.Fatal("A never ran the duty")
			}
			time.Sleep(5 * time.Millisecond)
		}
		stopA()
		start(t, dsn, "B", interval, r.fn("B", 0))
		first, _ := r.snapshot()
		time.Sleep(time.Until(first[0].Add(interval + 200*time.Millisecond)))
		starts, holders := r.snapshot()
		if len(starts) != 2 || holders[0] != "A" || holders[1] != "B" {
			t.Fatalf("runs by %v, want A then B", holders)
		}
		if gap := starts[1].Sub(starts[0]); gap < interval-tolerance || gap > interval+150*time.Millisecond {
			t.Fatalf("B took over %v after A's run, want about %v", gap, interval)
		}
	})
}

// A run longer than the interval renews the lease: no second run starts
// meanwhile, and the next run follows soon after it ends.
func TestDutyRenewsLeaseWhileRunning(t *testing.T) {
	sqltest.Backends(t, func(t *testing.T, dsn string) {
		const interval = 300 * time.Millisecond
		r := &runs{}
		var first atomic.Bool
		slow := func(holder string) func(context.Context) error {
			quick, long := r.fn(holder, 0), r.fn(holder, 3*interval)
			return func(ctx context.Context) error {
				if first.CompareAndSwap(false, true) {
					return long(ctx)
				}
				return quick(ctx)
			}
		}
		start(t, dsn, "A", interval, slow("A"))
		start(t, dsn, "B", interval, slow("B"))
		time.Sleep(6 * interval)
		if r.overlap.Load() {
			t.Fatal("a second run started while the slow one ran")
		}
		starts, holders := r.snapshot()
		if len(starts) < 2 {
			t.Fatalf("runs by %v: the duty did not run again after the slow run", holders)
		}
		if gap := starts[1].Sub(starts[0]); gap < 3*interval {
			t.Fatalf("second run %v after the first, while the first lasted %v", gap, 3*interval)
		}
	})
}

// A failed run is retried after Retry, doubled with each failure in a row,
// instead of after the whole interval; a success waits the interval again.
func TestDutyRetriesAfterFailure(t *testing.T) {
	sqltest.Backends(t, func(t *testing.T, dsn string) {
		const retry = 150 * time.Millisecond
		var mu sync.Mutex
		var starts []time.Time
		fn := func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			starts = append(starts, time.Now())
			if len(starts) <= 2 {
				return errors.New("application unreachable")
			}
			return nil
		}
		r := &lease.Runner{Leases: &lease.Store{DB: open(t, dsn)}, Holder: "A", Poll: 20 * time.Millisecond, Retry: retry}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { r.RunDuty(ctx, "duty", time.Hour, fn) })
		time.Sleep(3*retry + 1500*time.Millisecond)
		cancel()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		if len(starts) != 3 {
			t.Fatalf("%d runs, want 3 (two failures retried, then one success)", len(starts))
		}
		for i, want := range []time.Duration{retry, 2 * retry} {
			// Never early; late only by scheduling (the next interval
			// would be an hour).
			if gap := starts[i+1].Sub(starts[i]); gap < want-10*time.Millisecond || gap > want+500*time.Millisecond {
				t.Fatalf("retry %d after %v, want %v", i+1, gap, want)
			}
		}
	})
}

package lease_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lease"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore/sqltest"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// open opens one more store on dsn, as another replica would.
func open(t *testing.T, dsn string) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestLeaseAcquireRenewRelease(t *testing.T) {
	sqltest.Backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
		a := &lease.Store{DB: open(t, dsn), Now: clk.Now}
		b := &lease.Store{DB: open(t, dsn), Now: clk.Now}
		must := func(ok bool, err error) bool {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !must(a.TryAcquire(ctx, "job", "A", 10*time.Second)) {
			t.Fatal("A could not take a free lease")
		}
		if must(b.TryAcquire(ctx, "job", "B", 10*time.Second)) {
			t.Fatal("B took A's live lease")
		}
		if must(b.Renew(ctx, "job", "B", time.Minute)) {
			t.Fatal("B renewed a lease it does not hold")
		}
		if err := b.Release(ctx, "job", "B"); err != nil {
			t.Fatal(err)
		}
		l, err := b.Get(ctx, "job")
		if err != nil || l.Holder != "A" || !l.Until.Equal(clk.Now().Add(10*time.Second)) || !l.AcquiredAt.Equal(clk.Now()) {
			t.Fatalf("lease = %+v %v (B's release must not end A's lease)", l, err)
		}
		// Renewal keeps it past the first TTL; re-acquiring keeps acquired_at.
		clk.Add(8 * time.Second)
		if !must(a.Renew(ctx, "job", "A", 10*time.Second)) {
			t.Fatal("A could not renew its lease")
		}
		clk.Add(8 * time.Second)
		if must(b.TryAcquire(ctx, "job", "B", 10*time.Second)) {
			t.Fatal("B took a renewed lease")
		}
		if !must(a.TryAcquire(ctx, "job", "A", 10*time.Second)) {
			t.Fatal("A could not extend its own lease")
		}
		if l, _ := a.Get(ctx, "job"); !l.AcquiredAt.Equal(clk.Now().Add(-16 * time.Second)) {
			t.Fatalf("re-acquiring moved acquired_at: %+v", l)
		}
		// Expiry hands over: A neither renews nor keeps it.
		clk.Add(10 * time.Second)
		if !must(b.TryAcquire(ctx, "job", "B", 10*time.Second)) {
			t.Fatal("B could not take an expired lease")
		}
		if must(a.Renew(ctx, "job", "A", 10*time.Second)) {
			t.Fatal("A renewed a lease B took over")
		}
		if l, _ := a.Get(ctx, "job"); l.Holder != "B" || !l.AcquiredAt.Equal(clk.Now()) {
			t.Fatalf("after hand-over: %+v", l)
		}
		// Release lets another holder take it at once; twice is fine.
		for range 2 {
			if err := b.Release(ctx, "job", "B"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := a.Get(ctx, "job"); directory.ErrorCode(err) != directory.ENOTFOUND {
			t.Fatalf("released lease: %v", err)
		}
		if !must(a.TryAcquire(ctx, "job", "A", time.Second)) {
			t.Fatal("A could not take a released lease")
		}
		// Other names are independent.
		if !must(b.TryAcquire(ctx, "other", "B", time.Second)) {
			t.Fatal("B could not take another name")
		}
		// Bad arguments are refused.
		for _, bad := range []struct {
			name, holder string
			ttl          time.Duration
		}{{"", "A", time.Second}, {"job", "", time.Second}, {"job", "A", 0}} {
			if _, err := a.TryAcquire(ctx, bad.name, bad.holder, bad.ttl); directory.ErrorCode(err) != directory.EINVALID {
				t.Fatalf("TryAcquire(%q, %q, %v) err = %v", bad.name, bad.holder, bad.ttl, err)
			}
		}
	})
}

// Holders racing for a free (or expired) name: exactly one wins each round.
func TestLeaseRaceHasOneWinner(t *testing.T) {
	sqltest.Backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		stores := []*sqlstore.Store{open(t, dsn), open(t, dsn)}
		for round := range 5 {
			// Odd rounds race for a lease that expired, even ones for a new name.
			name := fmt.Sprintf("race-%d", round)
			if round%2 == 1 {
				clk := &clock{t: time.Now().Add(-2 * time.Minute)}
				if ok, err := (&lease.Store{DB: stores[0], Now: clk.Now}).TryAcquire(ctx, name, "old", time.Minute); err != nil || !ok {
					t.Fatalf("old holder: %v %v", ok, err)
				}
			}
			var wins atomic.Int32
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					s := &lease.Store{DB: stores[i%2]}
					ok, err := s.TryAcquire(ctx, name, string(rune('a'+i)), time.Minute)
					if err != nil {
						t.Error(err)
					}
					if ok {
						wins.Add(1)
					}
				})
			}
			wg.Wait()
			if n := wins.Load(); n != 1 {
				t.Fatalf("round %d: %d holders won", round, n)
			}
		}
	})
}

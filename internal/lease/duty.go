package lease

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// DefaultPoll bounds how long a replica waits before it looks again
// whether a duty is due.
const DefaultPoll = time.Minute

// minWait keeps a duty loop from spinning on a lease that is about to end.
const minWait = 5 * time.Millisecond

// DefaultRetry is how soon a failed duty runs again at first; the delay
// doubles with each failure in a row, up to the duty's interval.
const DefaultRetry = time.Minute

// Runner runs periodic duties once across the replicas sharing a database:
// a duty's lease is held for its interval by the replica that last ran it,
// and only the replica that takes the expired lease runs it again.
type Runner struct {
	Leases *Store
	// Holder names this replica (ProcessHolder() when empty). Replicas
	// must use different holders.
	Holder string
	// Poll bounds the wait between looks at a duty's lease (DefaultPoll).
	Poll time.Duration
	// Retry is the first delay before a failed duty runs again
	// (DefaultRetry).
	Retry time.Duration
	// Logger receives failures of duties and of the database (slog.Default
	// when nil).
	Logger *slog.Logger

	once   sync.Once
	holder string
}

// HolderName returns the holder this runner leases as.
func (r *Runner) HolderName() string {
	r.once.Do(func() {
		r.holder = r.Holder
		if r.holder == "" {
			r.holder = ProcessHolder()
		}
	})
	return r.holder
}

func (r *Runner) log() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

func (r *Runner) retry(failures int) time.Duration {
	d := r.Retry
	if d <= 0 {
		d = DefaultRetry
	}
	for range min(failures-1, 30) {
		d *= 2
	}
	return d
}

func (r *Runner) poll() time.Duration {
	if r.Poll > 0 {
		return r.Poll
	}
	return DefaultPoll
}

// RunDuty runs fn at most once per interval across every replica running
// the same duty name, until ctx ends: whoever takes the duty's expired
// lease (for interval) runs fn at once; the others wait for that lease to
// end. A first run happens as soon as a replica finds no lease. While fn
// runs past the end of the interval the lease is renewed, so a slow run is
// never doubled; when the lease is lost (the database was unreachable for
// longer than the renewals allow) fn's context is canceled. A replica that
// dies leaves its lease to expire, and another replica takes the duty
// over. Errors of fn and of the database are logged, never returned. A
// failed run shortens the lease so that the duty runs again (on whichever
// replica takes it) after Retry, doubled with each failure in a row up to
// the interval.
func (r *Runner) RunDuty(ctx context.Context, name string, interval time.Duration, fn func(context.Context) error) {
	if interval <= 0 {
		r.log().ErrorContext(ctx, "lease: duty has no interval", "duty", name)
		return
	}
	holder := r.HolderName()
	var until time.Time // the end of our lease; zero when not ours
	failures := 0
	for {
		now := r.Leases.now()
		wait := min(r.poll(), interval)
		if now.Before(until) {
			wait = min(until.Sub(now), r.poll())
		} else {
			end, ok, err := r.Leases.acquire(ctx, name, holder, interval)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				r.log().WarnContext(ctx, "lease: duty could not check its lease", "duty", name, "err", err)
			case ok:
				var err error
				until, err = r.run(ctx, name, holder, interval, end, fn)
				if err != nil && ctx.Err() == nil {
					failures++
					until = r.retrySoon(ctx, name, holder, until, r.retry(failures))
				} else {
					failures = 0
				}
				wait = max(until.Sub(r.Leases.now()), 0)
			default:
				until = time.Time{}
				if l, err := r.Leases.Get(ctx, name); err == nil {
					wait = min(l.Until.Sub(r.Leases.now()), r.poll())
				} else if directory.ErrorCode(err) == directory.ENOTFOUND {
					wait = 0 // released meanwhile: try again now
				}
			}
		}
		if !sleep(ctx, max(wait, minWait)) {
			return
		}
	}
}

// retrySoon shortens the duty's lease, which ends at until, to end after
// delay (when that is sooner), so that a failed duty is run again then. It
// returns the lease's end.
func (r *Runner) retrySoon(ctx context.Context, name, holder string, until time.Time, delay time.Duration) time.Time {
	at := r.Leases.now().Add(delay)
	if !at.Before(until) {
		return until
	}
	ok, err := r.Leases.Renew(ctx, name, holder, delay)
	switch {
	case err != nil:
		r.log().WarnContext(ctx, "lease: duty could not shorten its lease to run again", "duty", name, "err", err)
		return until
	case !ok:
		return time.Time{}
	}
	r.log().InfoContext(ctx, "lease: failed duty runs again", "duty", name, "in", delay)
	return at
}

// run runs fn under the duty's lease, ending at until, renewing it while
// fn runs past it. It returns the lease's end and fn's error.
func (r *Runner) run(ctx context.Context, name, holder string, interval time.Duration, until time.Time, fn func(context.Context) error) (time.Time, error) {
	keep := min(max(interval/3, 10*time.Millisecond), time.Minute)
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(keep)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-fctx.Done():
				return
			case <-t.C:
			}
			mu.Lock()
			left := until.Sub(r.Leases.now())
			mu.Unlock()
			if left > 2*keep {
				continue
			}
			ok, err := r.Leases.Renew(fctx, name, holder, 3*keep)
			switch {
			case err != nil:
				r.log().WarnContext(ctx, "lease: duty could not renew its lease", "duty", name, "err", err)
			case !ok:
				r.log().WarnContext(ctx, "lease: duty lost its lease; stopping it", "duty", name)
				cancel()
				return
			default:
				mu.Lock()
				until = r.Leases.now().Add(3 * keep)
				mu.Unlock()
			}
		}
	}()
	err := fn(fctx)
	close(done)
	<-stopped
	if err != nil && ctx.Err() == nil {
		r.log().ErrorContext(ctx, "lease: duty failed", "duty", name, "err", err)
	}
	mu.Lock()
	defer mu.Unlock()
	return until, err
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

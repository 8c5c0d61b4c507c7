package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Run makes the fixtures, runs the load for cfg.Duration (or until ctx is
// done), samples the server's metrics at the start, every ReportEvery and
// at the end, removes the fixtures unless KeepFixtures, and returns the
// report. Failed operations are in the report, not in the error, which is
// for a run that could not happen (bad settings, fixtures refused).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	transport := cfg.Transport
	if transport == nil {
		transport = &http.Transport{Proxy: nil, MaxIdleConns: cfg.Concurrency + 16, MaxIdleConnsPerHost: cfg.Concurrency + 16,
			IdleConnTimeout: 90 * time.Second, ForceAttemptHTTP2: true}
	}
	out := cfg.out()
	if cfg.Seed == 0 {
		cfg.Seed = uint64(cfg.now().UnixNano())
	}
	fmt.Fprintf(out, "making fixtures: %d users, a Custom SAML app, 2 groups (%s)\n", cfg.Users, cfg.BaseURL)
	setupStart := cfg.now()
	f, err := Setup(ctx, &cfg, nil, transport)
	if f != nil && !cfg.KeepFixtures {
		defer func() {
			tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
			defer cancel()
			fmt.Fprintf(out, "removing fixtures of run %s\n", f.RunID)
			if terr := f.Teardown(tctx); terr != nil {
				fmt.Fprintf(out, "warning: %v\n", terr)
			}
		}()
	}
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "fixtures of run %s ready in %s: app %q at %s/saml2/%s, group %s\n", f.RunID,
		cfg.now().Sub(setupStart).Round(time.Millisecond), f.App.Label, cfg.BaseURL, f.App.Slug, f.Group.Name)
	r := &runner{cfg: cfg, f: f, rec: newRecorder(), transport: transport,
		metrics: &http.Client{Transport: transport, Timeout: 10 * time.Second}}
	return r.run(ctx), nil
}

type runner struct {
	cfg       Config
	f         *Fixtures
	rec       *recorder
	transport http.RoundTripper
	metrics   *http.Client
	seq       atomic.Uint64

	mu      sync.Mutex
	samples []ServerSample
}

// job is one operation to run, chosen by the scheduler.
type job struct {
	op   string // OpSSO, OpUpdate or OpMember
	user int
	at   time.Time // scheduled start
}

// chooser draws operations from the mix and users uniformly.
type chooser struct {
	rng   *rand.Rand
	mix   Mix
	total int
	users int
}

func (c *chooser) next() job {
	op := c.mix.pick(c.rng.IntN(c.total))
	if op == OpChange {
		op = OpUpdate
		if c.rng.IntN(2) == 1 {
			op = OpMember
		}
	}
	return job{op: op, user: c.rng.IntN(c.users)}
}

func (r *runner) chooser(stream uint64) *chooser {
	return &chooser{rng: rand.New(rand.NewPCG(r.cfg.Seed, stream)), mix: r.cfg.Mix, total: r.cfg.Mix.total(), users: len(r.f.Users)}
}

func (r *runner) sample(ctx context.Context, start time.Time, label string) ServerSample {
	s, err := ScrapeServer(ctx, r.metrics, r.cfg.BaseURL)
	if err != nil {
		s.Err = err.Error()
	}
	s.At, s.Label = r.cfg.now().Sub(start), label
	if label == "" {
		s.Routes = nil
	}
	r.mu.Lock()
	r.samples = append(r.samples, s)
	r.mu.Unlock()
	return s
}

func (r *runner) run(ctx context.Context) *Report {
	cfg, out := r.cfg, r.cfg.out()
	r.sample(ctx, cfg.now(), "start")
	mode := fmt.Sprintf("%g ops/s open loop", cfg.Rate)
	if cfg.Rate == 0 {
		mode = "closed loop"
	}
	fmt.Fprintf(out, "load: %s for %s, %d workers, mix %s, %d users\n", mode, cfg.Duration, cfg.Concurrency, cfg.Mix, cfg.Users)
	fmt.Fprintf(out, "%8s %10s %10s %7s %7s | %11s %11s %10s %6s\n", "elapsed", "ops/s", "p99", "errors", "dropped", "heap inuse", "rss", "goroutines", "cpu")

	start := cfg.now()
	end := start.Add(cfg.Duration)
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	var workers sync.WaitGroup
	if cfg.Rate > 0 {
		jobs := make(chan job, cfg.Concurrency)
		for range cfg.Concurrency {
			workers.Go(func() {
				for j := range jobs {
					r.exec(loadCtx, j)
				}
			})
		}
		go r.schedule(loadCtx, start, end, jobs)
	} else {
		for w := range cfg.Concurrency {
			workers.Go(func() {
				c := r.chooser(uint64(w) + 1)
				for loadCtx.Err() == nil && cfg.now().Before(end) {
					j := c.next()
					j.at = cfg.now()
					r.exec(loadCtx, j)
				}
			})
		}
	}
	done := make(chan struct{})
	go func() { workers.Wait(); close(done) }()
	r.report(ctx, start, done)
	// The schedule spans Duration; operations still in flight then extend it.
	elapsed := cfg.now().Sub(start)
	if ctx.Err() == nil {
		elapsed = max(elapsed, cfg.Duration)
	}

	r.sample(ctx, start, "end")
	if t, ok := r.transport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
	if cfg.IdleWait > 10*time.Second {
		fmt.Fprintf(out, "waiting %s with no load before the idle sample\n", cfg.IdleWait)
	}
	select {
	case <-ctx.Done():
	case <-time.After(cfg.IdleWait):
		r.sample(ctx, start, "idle")
	}
	return r.buildReport(elapsed)
}

// schedule sends a job every 1/Rate seconds from start until end, on the
// schedule whatever the answers' latency; a job that finds every worker
// busy and the queue full is dropped and counted.
func (r *runner) schedule(ctx context.Context, start, end time.Time, jobs chan<- job) {
	defer close(jobs)
	c := r.chooser(0)
	interval := time.Duration(float64(time.Second) / r.cfg.Rate)
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for i := int64(0); ; i++ {
		at := start.Add(time.Duration(i) * interval)
		if !at.Before(end) {
			return
		}
		if wait := at.Sub(r.cfg.now()); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		} else if ctx.Err() != nil {
			return
		}
		j := c.next()
		j.at = at
		select {
		case jobs <- j:
		default:
			r.rec.drop()
		}
	}
}

// exec runs one job and records its outcome; latency counts from the
// job's scheduled start, so time spent queued is included.
func (r *runner) exec(ctx context.Context, j job) {
	seq := r.seq.Add(1)
	var name string
	var err error
	switch j.op {
	case OpSSO:
		name = MeasureSSO
		err = r.f.signIn(ctx, newBrowser(r.transport, r.cfg.Timeout), r.f.Users[j.user], "bench-"+strconv.FormatUint(seq, 10))
	case OpUpdate:
		name = MeasureUserUpdate
		err = r.f.updateUser(ctx, j.user, seq)
	case OpMember:
		name, err = r.f.toggleMember(ctx, j.user)
	}
	d := r.cfg.now().Sub(j.at)
	switch {
	case err == nil:
		r.rec.ok(name, d)
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		// interrupted: neither a success nor the server's failure
	default:
		r.rec.fail(name, err)
	}
}

// report prints a progress line every ReportEvery until done.
func (r *runner) report(ctx context.Context, start time.Time, done <-chan struct{}) {
	out := r.cfg.out()
	tick := time.NewTicker(r.cfg.ReportEvery)
	defer tick.Stop()
	last := start
	r.mu.Lock()
	prev := r.samples[len(r.samples)-1]
	r.mu.Unlock()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		now := r.cfg.now()
		iv := r.rec.takeInterval()
		s := r.sample(ctx, start, "")
		rate := float64(iv.ok) / now.Sub(last).Seconds()
		last = now
		server := fmt.Sprintf("%11s %11s %10.0f %6s", mib(s.HeapInuse), mib(s.RSS), s.Goroutines, cores(prev, s))
		if s.Err != "" {
			server = "metrics: " + s.Err
		} else {
			prev = s
		}
		fmt.Fprintf(out, "%8s %10.1f %10s %7d %7d | %s\n", now.Sub(start).Round(time.Second), rate, ms(iv.p99), iv.errors, iv.dropped, server)
	}
}

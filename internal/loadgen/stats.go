package loadgen

import (
	"sync"
	"time"
)

// recorder collects the outcome of every operation, in total and for the
// current progress interval. It is safe for concurrent use.
type recorder struct {
	mu       sync.Mutex
	total    map[string]*opStats
	interval map[string]*opStats
	errors   map[string]int64  // kind → count over the run
	examples map[string]string // kind → first message seen
	dropped  int64
	intDrop  int64
}

type opStats struct {
	ok     histogram
	errors int64
}

func newRecorder() *recorder {
	return &recorder{total: map[string]*opStats{}, interval: map[string]*opStats{}, errors: map[string]int64{}, examples: map[string]string{}}
}

func statsOf(m map[string]*opStats, op string) *opStats {
	s := m[op]
	if s == nil {
		s = &opStats{}
		m[op] = s
	}
	return s
}

// ok records a successful operation and its latency.
func (r *recorder) ok(op string, d time.Duration) {
	r.mu.Lock()
	statsOf(r.total, op).ok.add(d)
	statsOf(r.interval, op).ok.add(d)
	r.mu.Unlock()
}

// fail records a failed operation under its error kind.
func (r *recorder) fail(op string, err error) {
	kind, msg := classify(op, err)
	r.mu.Lock()
	statsOf(r.total, op).errors++
	statsOf(r.interval, op).errors++
	r.errors[kind]++
	if _, ok := r.examples[kind]; !ok {
		r.examples[kind] = msg
	}
	r.mu.Unlock()
}

// drop records an operation that could not start because every worker
// was busy and the queue was full (the client, not the server, is the
// bottleneck then).
func (r *recorder) drop() {
	r.mu.Lock()
	r.dropped++
	r.intDrop++
	r.errors[kindDropped]++
	if _, ok := r.examples[kindDropped]; !ok {
		r.examples[kindDropped] = "every worker busy and the queue full: raise --concurrency or lower --rate"
	}
	r.mu.Unlock()
}

// intervalSummary is one progress line's figures.
type intervalSummary struct {
	ok, errors, dropped int64
	p99                 time.Duration
}

// takeInterval returns the figures since the last call and starts a new
// interval.
func (r *recorder) takeInterval() intervalSummary {
	r.mu.Lock()
	defer r.mu.Unlock()
	var all histogram
	var s intervalSummary
	for _, st := range r.interval {
		all.merge(&st.ok)
		s.errors += st.errors
	}
	s.ok, s.p99, s.dropped = int64(all.n), all.quantile(0.99), r.intDrop
	r.interval, r.intDrop = map[string]*opStats{}, 0
	return s
}

// ops returns a report line per operation, for elapsed seconds of load.
func (r *recorder) ops(elapsed time.Duration) []OpReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]OpReport, 0, len(r.total))
	for _, name := range sortedKeys(r.total) {
		out = append(out, opReport(name, r.total[name], elapsed))
	}
	return out
}

func opReport(name string, st *opStats, elapsed time.Duration) OpReport {
	o := OpReport{Name: name, OK: int64(st.ok.n), Errors: st.errors,
		P50: st.ok.quantile(0.50), P90: st.ok.quantile(0.90), P99: st.ok.quantile(0.99), Max: st.ok.max, Mean: st.ok.mean()}
	if elapsed > 0 {
		o.Throughput = float64(o.OK) / elapsed.Seconds()
	}
	return o
}

// all returns the figures of every operation together.
func (r *recorder) all(elapsed time.Duration) OpReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	var sum opStats
	for _, st := range r.total {
		sum.ok.merge(&st.ok)
		sum.errors += st.errors
	}
	return opReport("all", &sum, elapsed)
}

func (r *recorder) errorCounts() (map[string]int64, map[string]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	counts, ex := make(map[string]int64, len(r.errors)), make(map[string]string, len(r.examples))
	for k, v := range r.errors {
		counts[k] = v
	}
	for k, v := range r.examples {
		ex[k] = v
	}
	return counts, ex
}

package loadgen

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// Report is the outcome of a run.
type Report struct {
	RunID       string        `json:"runId"`
	BaseURL     string        `json:"baseUrl"`
	Rate        float64       `json:"rate"` // 0: closed loop
	Concurrency int           `json:"concurrency"`
	Mix         string        `json:"mix"`
	Users       int           `json:"users"`
	Duration    time.Duration `json:"durationNs"` // asked for
	Elapsed     time.Duration `json:"elapsedNs"`  // from start until the last operation ended
	// Ops has one line per measured operation (sso, user-update,
	// member-add, member-remove); All sums them.
	Ops []OpReport `json:"ops"`
	All OpReport   `json:"all"`
	// Errors counts failures by kind, most frequent first.
	Errors []ErrorCount `json:"errors"`
	// Server has the server's samples: start, one per progress line, end,
	// and idle (after the client closed its connections).
	Server []ServerSample `json:"server"`
}

// OpReport is the figures of one operation. Latencies are of successful
// operations, from their scheduled start.
type OpReport struct {
	Name       string        `json:"name"`
	OK         int64         `json:"ok"`
	Errors     int64         `json:"errors"`
	Throughput float64       `json:"throughput"` // successful operations a second
	Mean       time.Duration `json:"meanNs"`
	P50        time.Duration `json:"p50Ns"`
	P90        time.Duration `json:"p90Ns"`
	P99        time.Duration `json:"p99Ns"`
	Max        time.Duration `json:"maxNs"`
}

// ErrorCount is one kind of failure, how often and a first message.
type ErrorCount struct {
	Kind    string `json:"kind"`
	Count   int64  `json:"count"`
	Example string `json:"example"`
}

func (r *runner) buildReport(elapsed time.Duration) *Report {
	rep := &Report{RunID: r.f.RunID, BaseURL: r.cfg.BaseURL, Rate: r.cfg.Rate, Concurrency: r.cfg.Concurrency, Mix: r.cfg.Mix.String(),
		Users: r.cfg.Users, Duration: r.cfg.Duration, Elapsed: elapsed, Ops: r.rec.ops(elapsed), All: r.rec.all(elapsed)}
	counts, examples := r.rec.errorCounts()
	for _, k := range sortedKeys(counts) {
		rep.Errors = append(rep.Errors, ErrorCount{Kind: k, Count: counts[k], Example: examples[k]})
	}
	slices.SortStableFunc(rep.Errors, func(a, b ErrorCount) int { return int(b.Count - a.Count) })
	r.mu.Lock()
	rep.Server = slices.Clone(r.samples)
	r.mu.Unlock()
	return rep
}

// Failed is the number of failed or dropped operations.
func (rep *Report) Failed() int64 {
	var n int64
	for _, e := range rep.Errors {
		n += e.Count
	}
	return n
}

// Print writes the report as tables.
func (rep *Report) Print(w io.Writer) {
	mode := fmt.Sprintf("%g ops/s open loop", rep.Rate)
	if rep.Rate == 0 {
		mode = "closed loop"
	}
	fmt.Fprintf(w, "\nrun %s against %s: %s, %d workers, mix %s, %d users, %s (elapsed %s)\n\n",
		rep.RunID, rep.BaseURL, mode, rep.Concurrency, rep.Mix, rep.Users, rep.Duration, rep.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "%-14s %8s %7s %9s %9s %9s %9s %9s %9s\n", "operation", "ok", "errors", "ops/s", "mean", "p50", "p90", "p99", "max")
	for _, o := range append(slices.Clone(rep.Ops), rep.All) {
		fmt.Fprintf(w, "%-14s %8d %7d %9.2f %9s %9s %9s %9s %9s\n", o.Name, o.OK, o.Errors, o.Throughput, ms(o.Mean), ms(o.P50), ms(o.P90), ms(o.P99), ms(o.Max))
	}
	fmt.Fprintln(w)
	if len(rep.Errors) == 0 {
		fmt.Fprintln(w, "errors: none")
	} else {
		fmt.Fprintln(w, "errors by kind:")
		for _, e := range rep.Errors {
			fmt.Fprintf(w, "  %6d  %s\n          e.g. %s\n", e.Count, e.Kind, e.Example)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "server (from /metrics)   %11s %11s %10s\n", "heap inuse", "rss", "goroutines")
	var ok []ServerSample
	for _, s := range rep.Server {
		if s.Err == "" {
			ok = append(ok, s)
		}
		if s.Label == "" {
			continue
		}
		if s.Err != "" {
			fmt.Fprintf(w, "  %-8s %13s  %s\n", s.Label, "", s.Err)
			continue
		}
		fmt.Fprintf(w, "  %-8s %13s %11s %11s %10.0f\n", s.Label, "t="+s.At.Round(time.Second).String(), mib(s.HeapInuse), mib(s.RSS), s.Goroutines)
	}
	if len(ok) > 0 {
		lo, hi := ok[0], ok[0]
		for _, s := range ok {
			lo.HeapInuse, hi.HeapInuse = min(lo.HeapInuse, s.HeapInuse), max(hi.HeapInuse, s.HeapInuse)
			lo.RSS, hi.RSS = min(lo.RSS, s.RSS), max(hi.RSS, s.RSS)
			lo.Goroutines, hi.Goroutines = min(lo.Goroutines, s.Goroutines), max(hi.Goroutines, s.Goroutines)
		}
		fmt.Fprintf(w, "  %-8s %13s %11s %11s %10.0f\n", "min", "", mib(lo.HeapInuse), mib(lo.RSS), lo.Goroutines)
		fmt.Fprintf(w, "  %-8s %13s %11s %11s %10.0f\n", "max", "", mib(hi.HeapInuse), mib(hi.RSS), hi.Goroutines)
	}
	if t := rep.trend(); t != "" {
		fmt.Fprintf(w, "  trend    %s\n", t)
	}
	rep.printRoutes(w)
}

// labelled returns the sample with the label, if it was taken.
func (rep *Report) labelled(label string) (ServerSample, bool) {
	for _, s := range rep.Server {
		if s.Label == label && s.Err == "" {
			return s, true
		}
	}
	return ServerSample{}, false
}

// printRoutes writes the server's own time per route between the start
// and end samples, and the CPU it used.
func (rep *Report) printRoutes(w io.Writer) {
	a, ok1 := rep.labelled("start")
	b, ok2 := rep.labelled("end")
	if !ok1 || !ok2 {
		return
	}
	if c := cores(a, b); c != "-" {
		fmt.Fprintf(w, "  server CPU from start to end: %s cores (process_cpu_seconds_total)\n", c)
	}
	if len(b.Routes) == 0 {
		return
	}
	fmt.Fprintf(w, "\nserver time by route from start to end (jumpgate_http_request_duration_seconds)\n")
	fmt.Fprintf(w, "  %-40s %9s %9s %9s\n", "route", "requests", "mean", "p99 ≤")
	for _, route := range sortedKeys(b.Routes) {
		rb, ra := b.Routes[route], a.Routes[route]
		n := rb.Count - ra.Count
		if n == 0 || rb.Count < ra.Count {
			continue
		}
		mean := time.Duration((rb.Sum - ra.Sum) / float64(n) * float64(time.Second))
		fmt.Fprintf(w, "  %-40s %9d %9s %9s\n", route, n, ms(mean), bucketP99(ra, rb, n))
	}
}

// bucketP99 is the upper bound of the histogram bucket that holds the 99th
// percentile of the requests between two samples.
func bucketP99(a, b RouteTime, n uint64) string {
	rank := uint64(math.Ceil(0.99 * float64(n)))
	for i, bound := range b.Bounds {
		var before uint64
		if i < len(a.Buckets) {
			before = a.Buckets[i]
		}
		if b.Buckets[i]-before >= rank {
			if math.IsInf(bound, 1) {
				break
			}
			return ms(time.Duration(bound * float64(time.Second)))
		}
	}
	if n := len(b.Bounds); n > 0 && !math.IsInf(b.Bounds[n-1], 1) {
		return "> " + ms(time.Duration(b.Bounds[n-1]*float64(time.Second)))
	}
	if n := len(b.Bounds); n > 1 {
		return "> " + ms(time.Duration(b.Bounds[n-2]*float64(time.Second)))
	}
	return "+Inf"
}

// cores is the CPU the server used between two samples, in cores.
func cores(a, b ServerSample) string {
	wall := (b.At - a.At).Seconds()
	if wall <= 0 || b.CPUSeconds == 0 || b.CPUSeconds < a.CPUSeconds {
		return "-"
	}
	return fmt.Sprintf("%.2f", (b.CPUSeconds-a.CPUSeconds)/wall)
}

// trend compares the mean of the first and last thirds of the progress
// samples (steady load, not start-up or idle).
func (rep *Report) trend() string {
	var p []ServerSample
	for _, s := range rep.Server {
		if s.Label == "" && s.Err == "" {
			p = append(p, s)
		}
	}
	if len(p) < 6 {
		return ""
	}
	third := len(p) / 3
	avg := func(ss []ServerSample) (h, r, g float64) {
		for _, s := range ss {
			h, r, g = h+s.HeapInuse, r+s.RSS, g+s.Goroutines
		}
		n := float64(len(ss))
		return h / n, r / n, g / n
	}
	h1, r1, g1 := avg(p[:third])
	h2, r2, g2 := avg(p[len(p)-third:])
	return fmt.Sprintf("first third → last third of the run: heap %s → %s (%+.1f%%), rss %s → %s (%+.1f%%), goroutines %.1f → %.1f",
		mib(h1), mib(h2), pct(h1, h2), mib(r1), mib(r2), pct(r1, r2), g1, g2)
}

func pct(a, b float64) float64 {
	if a == 0 {
		return 0
	}
	return (b - a) / a * 100
}

// ms formats a latency in milliseconds.
func ms(d time.Duration) string {
	return strings.TrimSpace(fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)))
}

// mib formats bytes in MiB ("-" when unknown).
func mib(b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fMiB", b/(1<<20))
}

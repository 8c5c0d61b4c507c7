package loadgen

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// ServerSample is the server's memory and goroutines at one moment, read
// from its /metrics endpoint.
type ServerSample struct {
	// At is the time since the load started (negative before it).
	At time.Duration `json:"at"`
	// Label names the moment: "start", "end", "idle" or "" for progress.
	Label      string  `json:"label,omitempty"`
	HeapInuse  float64 `json:"heapInuseBytes"`  // go_memstats_heap_inuse_bytes
	RSS        float64 `json:"rssBytes"`        // process_resident_memory_bytes (0 when not reported)
	Goroutines float64 `json:"goroutines"`      // go_goroutines
	CPUSeconds float64 `json:"cpuSeconds"`      // process_cpu_seconds_total (0 when not reported)
	Err        string  `json:"error,omitempty"` // why the sample is missing
	// Routes is the server's request-duration histogram by route
	// (jumpgate_http_request_duration_seconds); kept in labelled samples only.
	Routes map[string]RouteTime `json:"routes,omitempty"`
}

// RouteTime is one route's cumulative request count, total seconds and
// histogram buckets (cumulative counts at each finite upper bound).
type RouteTime struct {
	Count   uint64    `json:"count"`
	Sum     float64   `json:"sum"`
	Bounds  []float64 `json:"bounds"`
	Buckets []uint64  `json:"buckets"`
}

// Metric names read from /metrics.
const (
	metricHeapInuse  = "go_memstats_heap_inuse_bytes"
	metricRSS        = "process_resident_memory_bytes"
	metricGoroutines = "go_goroutines"
	metricCPU        = "process_cpu_seconds_total"
	metricDuration   = "jumpgate_http_request_duration_seconds"
)

// ScrapeServer reads the server's heap in use, resident memory and
// goroutines from baseURL/metrics (Prometheus text format).
func ScrapeServer(ctx context.Context, client *http.Client, baseURL string) (ServerSample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/metrics", nil)
	if err != nil {
		return ServerSample{}, fmt.Errorf("metrics: %w", err)
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	res, err := client.Do(req)
	if err != nil {
		return ServerSample{}, fmt.Errorf("metrics: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
		return ServerSample{}, fmt.Errorf("metrics: GET %s/metrics: HTTP %d", baseURL, res.StatusCode)
	}
	return parseMetrics(io.LimitReader(res.Body, 16<<20))
}

func parseMetrics(r io.Reader) (ServerSample, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return ServerSample{}, fmt.Errorf("metrics: parse: %w", err)
	}
	var s ServerSample
	var ok bool
	if s.HeapInuse, ok = gauge(fams, metricHeapInuse); !ok {
		return s, fmt.Errorf("metrics: no %s", metricHeapInuse)
	}
	if s.Goroutines, ok = gauge(fams, metricGoroutines); !ok {
		return s, fmt.Errorf("metrics: no %s", metricGoroutines)
	}
	s.RSS, _ = gauge(fams, metricRSS) // only on platforms with procfs
	s.CPUSeconds, _ = gauge(fams, metricCPU)
	if f := fams[metricDuration]; f != nil {
		s.Routes = map[string]RouteTime{}
		for _, m := range f.GetMetric() {
			h := m.GetHistogram()
			if h == nil {
				continue
			}
			route := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "route" {
					route = l.GetValue()
				}
			}
			rt := RouteTime{Count: h.GetSampleCount(), Sum: h.GetSampleSum()}
			for _, b := range h.GetBucket() {
				if math.IsInf(b.GetUpperBound(), 1) {
					continue // the +Inf bucket is Count, and JSON has no Inf
				}
				rt.Bounds = append(rt.Bounds, b.GetUpperBound())
				rt.Buckets = append(rt.Buckets, b.GetCumulativeCount())
			}
			s.Routes[route] = rt
		}
	}
	return s, nil
}

// gauge returns the value of an unlabelled gauge (or untyped) metric.
func gauge(fams map[string]*dto.MetricFamily, name string) (float64, bool) {
	f := fams[name]
	if f == nil || len(f.GetMetric()) == 0 {
		return 0, false
	}
	m := f.GetMetric()[0]
	switch {
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue(), true
	case m.GetUntyped() != nil:
		return m.GetUntyped().GetValue(), true
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue(), true
	}
	return 0, false
}

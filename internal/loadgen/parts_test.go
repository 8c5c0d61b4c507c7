package loadgen_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/loadgen"
)

func TestParseMix(t *testing.T) {
	m, err := loadgen.ParseMix(" sso=70, change=30 ")
	if err != nil || m.String() != "sso=70,change=30" {
		t.Fatalf("ParseMix = %v %v", m, err)
	}
	if m, err := loadgen.ParseMix("update=1,member=0"); err != nil || len(m) != 2 {
		t.Fatalf("ParseMix update/member = %v %v", m, err)
	}
	for _, bad := range []string{"", "sso", "sso=0", "login=5", "sso=-1", "sso=x", "sso=1,sso=2", "change=1e9"} {
		if _, err := loadgen.ParseMix(bad); err == nil {
			t.Errorf("ParseMix(%q) accepted", bad)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	mix, _ := loadgen.ParseMix("sso=1")
	c := loadgen.Config{BaseURL: "http://127.0.0.1:8080/", APIKeys: []string{"k"}, Duration: time.Second, Rate: 5, Concurrency: 2, Mix: mix, Users: 1}
	if err := c.Validate(); err != nil || c.BaseURL != "http://127.0.0.1:8080" || c.ReportEvery != 10*time.Second || c.Timeout != 30*time.Second {
		t.Fatalf("Validate = %v, %+v", err, c)
	}
	bad := loadgen.Config{BaseURL: "ftp://x", Duration: -1, Rate: -1, Users: 0}
	err := bad.Validate()
	for _, want := range []string{"--url", "--api-key", "--duration", "--rate", "--concurrency", "--users", "--mix"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate of bad settings: %v, want it to name %s", err, want)
		}
	}
}

func TestScrapeServer(t *testing.T) {
	var body atomic.Value
	body.Store("# HELP go_goroutines Number of goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines 42\n" +
		"# TYPE go_memstats_heap_inuse_bytes gauge\ngo_memstats_heap_inuse_bytes 1.048576e+07\n" +
		"# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 3.3554432e+07\n" +
		"# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 12.5\n" +
		"# TYPE jumpgate_http_request_duration_seconds histogram\n" +
		"jumpgate_http_request_duration_seconds_bucket{route=\"GET /x\",le=\"0.1\"} 6\n" +
		"jumpgate_http_request_duration_seconds_bucket{route=\"GET /x\",le=\"+Inf\"} 7\n" +
		"jumpgate_http_request_duration_seconds_sum{route=\"GET /x\"} 0.7\n" +
		"jumpgate_http_request_duration_seconds_count{route=\"GET /x\"} 7\n" +
		"# TYPE jumpgate_http_requests_total counter\njumpgate_http_requests_total{route=\"GET /x\",status=\"200\"} 7\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, body.Load())
	}))
	defer srv.Close()
	s, err := loadgen.ScrapeServer(context.Background(), srv.Client(), srv.URL)
	if err != nil || s.Goroutines != 42 || s.HeapInuse != 10<<20 || s.RSS != 32<<20 || s.CPUSeconds != 12.5 {
		t.Fatalf("ScrapeServer = %+v %v", s, err)
	}
	if rt := s.Routes["GET /x"]; rt.Count != 7 || rt.Sum != 0.7 || len(rt.Bounds) != 1 || rt.Bounds[0] != 0.1 || rt.Buckets[0] != 6 {
		t.Fatalf("route histogram = %+v (the +Inf bucket must be left out: JSON cannot hold it)", rt)
	}
	if _, err := loadgen.ScrapeServer(context.Background(), srv.Client(), srv.URL+"/nothing"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("missing metrics err = %v", err)
	}
	body.Store("go_goroutines 3\n")
	if _, err := loadgen.ScrapeServer(context.Background(), srv.Client(), srv.URL); err == nil || !strings.Contains(err.Error(), "heap_inuse") {
		t.Fatalf("incomplete metrics err = %v", err)
	}
}

// TestReportRoutes checks the server-side table of a report: requests and
// mean between the start and end samples, the bucket of the 99th
// percentile, and requests slower than the largest finite bucket.
func TestReportRoutes(t *testing.T) {
	inf := math.Inf(1)
	bounds := []float64{0.01, 0.1, 5, inf}
	rep := &loadgen.Report{Server: []loadgen.ServerSample{
		{Label: "start", CPUSeconds: 10, Routes: map[string]loadgen.RouteTime{
			"POST /console/login": {Count: 10, Sum: 1, Bounds: bounds, Buckets: []uint64{0, 10, 10, 10}},
			"GET /saml2/{slug}":   {Count: 5, Sum: 0.01, Bounds: bounds, Buckets: []uint64{5, 5, 5, 5}},
		}},
		{Label: "end", At: 10 * time.Second, CPUSeconds: 25, Routes: map[string]loadgen.RouteTime{
			"POST /console/login": {Count: 110, Sum: 61, Bounds: bounds, Buckets: []uint64{0, 10, 20, 110}},
			"GET /saml2/{slug}":   {Count: 105, Sum: 0.51, Bounds: bounds, Buckets: []uint64{105, 105, 105, 105}},
		}},
	}}
	var out strings.Builder
	rep.Print(&out)
	for _, want := range []string{
		"server CPU from start to end: 1.50 cores",
		"POST /console/login                            100   600.0ms > 5000.0ms",
		"GET /saml2/{slug}                              100     5.0ms    10.0ms",
	} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("report lacks %q:\n%s", want, out.String())
		}
	}
}

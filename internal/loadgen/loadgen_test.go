package loadgen_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/apiclient"
	"github.com/jumpgate-idp/jumpgate/internal/loadgen"
)

// TestRunAgainstJumpgate runs a 3-second open-loop load of sign-ins and
// directory changes against an in-process Jumpgate and checks that every
// operation succeeded, that each kind ran, that the server was sampled at
// the start and end, and that the fixtures are gone afterwards.
func TestRunAgainstJumpgate(t *testing.T) {
	base, key := jumpgate(t)
	mix, err := loadgen.ParseMix("sso=60,change=40")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep, err := loadgen.Run(context.Background(), loadgen.Config{BaseURL: base, APIKeys: []string{key}, Duration: 3 * time.Second,
		Rate: 8, Concurrency: 4, Mix: mix, Users: 6, ReportEvery: time.Second, Out: &out, Seed: 42})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	var printed bytes.Buffer
	rep.Print(&printed)
	t.Logf("%s%s", out.String(), printed.String())

	if rep.Failed() != 0 || rep.All.Errors != 0 {
		t.Fatalf("%d operations failed: %+v", rep.Failed(), rep.Errors)
	}
	if rep.All.OK < 15 || rep.All.Throughput <= 0 {
		t.Fatalf("throughput %.2f/s, %d operations: want about 8/s for 3 s", rep.All.Throughput, rep.All.OK)
	}
	byName := map[string]loadgen.OpReport{}
	for _, o := range rep.Ops {
		byName[o.Name] = o
	}
	if byName["sso"].OK == 0 || byName["user-update"].OK+byName["member-add"].OK+byName["member-remove"].OK == 0 {
		t.Fatalf("an operation kind never ran: %+v", rep.Ops)
	}
	if p := byName["sso"]; p.P50 <= 0 || p.P50 > p.P90 || p.P90 > p.P99 || p.P99 > p.Max {
		t.Fatalf("sso percentiles out of order: %+v", p)
	}
	labels := map[string]loadgen.ServerSample{}
	for _, s := range rep.Server {
		if s.Err != "" {
			t.Fatalf("metrics sample %q: %s", s.Label, s.Err)
		}
		labels[s.Label] = s
	}
	for _, l := range []string{"start", "end", "idle", ""} {
		if s, ok := labels[l]; !ok || s.HeapInuse <= 0 || s.Goroutines <= 0 {
			t.Fatalf("sample %q missing or empty: %+v", l, rep.Server)
		}
	}
	if n := strings.Count(out.String(), "\n"); n < 5 {
		t.Fatalf("expected progress lines:\n%s", out.String())
	}
	for _, want := range []string{"operation", "sso", "errors: none", "heap inuse", "start", "idle"} {
		if !strings.Contains(printed.String(), want) {
			t.Fatalf("report lacks %q:\n%s", want, printed.String())
		}
	}

	// The fixtures were removed.
	c := &apiclient.Client{BaseURL: base, APIKey: key}
	users, err := c.ListUsers(context.Background(), apiclient.ListOptions{Query: "bench-" + rep.RunID})
	if err != nil || users.Total != 0 {
		t.Fatalf("fixture users left: %+v %v", users, err)
	}
	apps, err := c.ListApps(context.Background(), apiclient.ListOptions{})
	if err != nil || apps.Total != 0 {
		t.Fatalf("fixture app left: %+v %v", apps, err)
	}
}

// TestRunReportsRefusals checks that a key the server refuses stops the
// setup with an error, and that operations the server refuses during the
// load are reported by kind, not hidden.
func TestRunReportsRefusals(t *testing.T) {
	base, key := jumpgate(t)
	mix, _ := loadgen.ParseMix("update=1")
	rep, err := loadgen.Run(context.Background(), loadgen.Config{BaseURL: base, APIKeys: []string{"jg_000000000000_" + strings.Repeat("0", 64), key},
		Duration: 1500 * time.Millisecond, Rate: 6, Concurrency: 2, Mix: mix, Users: 2, ReportEvery: time.Second, Seed: 7})
	if err == nil {
		t.Fatalf("fixtures made with a bad key in the rotation: %+v", rep)
	}
	rep, err = loadgen.Run(context.Background(), loadgen.Config{BaseURL: base, APIKeys: []string{key}, Duration: time.Second,
		Rate: 4, Concurrency: 2, Mix: mix, Users: 2, ReportEvery: time.Second, Seed: 7,
		Transport: refuseUpdates{http.DefaultTransport}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed() == 0 || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Kind, "user-update patch: http 4") {
		t.Fatalf("errors = %+v", rep.Errors)
	}
}

// refuseUpdates answers user PATCHes with a bad body so the server refuses them.
type refuseUpdates struct{ rt http.RoundTripper }

func (r refuseUpdates) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPatch {
		req = req.Clone(req.Context())
		body := `{"nonsense":true}`
		req.Body = io.NopCloser(strings.NewReader(body))
		req.ContentLength = int64(len(body))
	}
	return r.rt.RoundTrip(req)
}

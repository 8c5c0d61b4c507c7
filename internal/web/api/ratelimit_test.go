package api_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

// testClock is a clock that moves only when told.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

type countingRecorder struct{ n atomic.Int64 }

func (c *countingRecorder) APIKeyAuthFailure(context.Context, string, string) { c.n.Add(1) }

func newLimitedEnv(t *testing.T, limits api.RateLimits) (*env, *testClock, *countingRecorder) {
	clock := &testClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	rec := &countingRecorder{}
	e := newEnvConf(t, "sqlite:"+filepath.Join(t.TempDir(), "db.sqlite"), func(h *api.Handler) {
		h.RateLimits, h.Now, h.AuthFailures = limits, clock.Now, rec
	})
	return e, clock, rec
}

// wantLimited checks a 429 with Retry-After and the JSON error body.
func wantLimited(t *testing.T, r reply, retryAfter string) {
	t.Helper()
	if r.status != 429 {
		t.Fatalf("status = %d %s, want 429", r.status, r.body)
	}
	if got := r.header.Get("Retry-After"); got != retryAfter {
		t.Fatalf("Retry-After = %q, want %q", got, retryAfter)
	}
	e := r.err(t)
	if e.Code != directory.ERATELIMITED || e.RequestID == "" || !strings.Contains(e.Message, "retry after "+retryAfter+" s") {
		t.Fatalf("error body = %+v", e)
	}
}

func wantStatus(t *testing.T, r reply, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d %s, want %d", r.status, r.body, status)
	}
}

func TestRateLimitPerKey(t *testing.T) {
	e, clock, _ := newLimitedEnv(t, api.RateLimits{KeyPerMinute: 60, KeyBurst: 5})
	for i := range 5 {
		if r := e.do("GET", "/api/v1/users", e.adminKey, ""); r.status != 200 {
			t.Fatalf("request %d = %d %s", i, r.status, r.body)
		}
	}
	wantLimited(t, e.do("GET", "/api/v1/users", e.adminKey, ""), "1")
	// A refused request changes nothing, and writes are limited too.
	before := e.counts()
	wantLimited(t, e.do("POST", "/api/v1/users", e.adminKey, `{"username":"ada","email":"ada@example.com"}`), "1")
	if after := e.counts(); after != before {
		t.Fatalf("a limited request changed the directory: %v -> %v", before, after)
	}
	// Another key has its own bucket.
	wantStatus(t, e.do("GET", "/api/v1/users", e.roKey, ""), 200)

	// 60 a minute: one token a second.
	clock.Advance(500 * time.Millisecond)
	wantLimited(t, e.do("GET", "/api/v1/users", e.adminKey, ""), "1")
	clock.Advance(500 * time.Millisecond)
	wantStatus(t, e.do("GET", "/api/v1/users", e.adminKey, ""), 200)
	wantLimited(t, e.do("GET", "/api/v1/users", e.adminKey, ""), "1")

	// A long pause refills the bucket to its burst, not beyond.
	clock.Advance(time.Hour)
	for i := range 5 {
		if r := e.do("GET", "/api/v1/users", e.adminKey, ""); r.status != 200 {
			t.Fatalf("request %d after a pause = %d %s", i, r.status, r.body)
		}
	}
	wantLimited(t, e.do("GET", "/api/v1/users", e.adminKey, ""), "1")
	if n := strings.Count(e.logs.String(), "api rate limit reached"); n != 3 {
		t.Errorf("%d log lines of reached limits, want one per run of refusals (3):\n%s", n, e.logs)
	}
}

func TestRateLimitPerAddress(t *testing.T) {
	e, clock, rec := newLimitedEnv(t, api.RateLimits{IPPerMinute: 6, IPBurst: 3})
	bad := "jg_nope_" + strings.Repeat("x", 43)
	for i := range 3 {
		if r := e.do("GET", "/api/v1/users", bad, ""); r.status != 401 {
			t.Fatalf("bad key %d = %d %s", i, r.status, r.body)
		}
	}
	// 6 a minute: a token every 10 s.
	wantLimited(t, e.do("GET", "/api/v1/users", bad, ""), "10")
	wantLimited(t, e.do("GET", "/api/v1/users", "", ""), "10")
	wantLimited(t, e.do("GET", "/api/v1/openapi.json", "", ""), "10")
	if n := rec.n.Load(); n != 3 {
		t.Fatalf("%d auth failures recorded, want 3 (none past the limit)", n)
	}
	// A valid key from the same address is not held back.
	wantStatus(t, e.do("GET", "/api/v1/users", e.adminKey, ""), 200)

	clock.Advance(4 * time.Second)
	wantLimited(t, e.do("GET", "/api/v1/openapi.json", "", ""), "6")
	clock.Advance(6 * time.Second)
	wantStatus(t, e.do("GET", "/api/v1/openapi.json", "", ""), 200)
	wantLimited(t, e.do("GET", "/api/v1/openapi.json", "", ""), "10")
}

func TestRateLimitDefaultsAndOff(t *testing.T) {
	e, _, _ := newLimitedEnv(t, api.RateLimits{})
	for i := range api.DefaultKeyBurst {
		if r := e.do("GET", "/api/v1/openapi.json", "", ""); i < api.DefaultIPBurst && r.status != 200 {
			t.Fatalf("public request %d = %d", i, r.status)
		}
		if r := e.do("GET", "/api/v1/groups", e.adminKey, ""); r.status != 200 {
			t.Fatalf("request %d = %d %s", i, r.status, r.body)
		}
	}
	wantLimited(t, e.do("GET", "/api/v1/groups", e.adminKey, ""), "1") // 10 a second: under a second, rounded up

	off, _, _ := newLimitedEnv(t, api.RateLimits{Off: true, KeyPerMinute: 1, KeyBurst: 1})
	for i := range 2 * api.DefaultKeyBurst {
		if r := off.do("GET", "/api/v1/groups", off.adminKey, ""); r.status != 200 {
			t.Fatalf("request %d with limits off = %d %s", i, r.status, r.body)
		}
	}
}

// TestRateLimitConcurrent sends one key's requests from many goroutines at
// once: exactly the burst passes.
func TestRateLimitConcurrent(t *testing.T) {
	e, _, _ := newLimitedEnv(t, api.RateLimits{KeyPerMinute: 60, KeyBurst: 20})
	var ok, limited atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5 {
				switch r := e.do("GET", "/api/v1/users", e.adminKey, ""); r.status {
				case 200:
					ok.Add(1)
				case 429:
					limited.Add(1)
				default:
					t.Errorf("status %d %s", r.status, r.body)
				}
			}
		})
	}
	wg.Wait()
	if ok.Load() != 20 || limited.Load() != 20 {
		t.Fatalf("%d allowed, %d limited; want 20 and 20", ok.Load(), limited.Load())
	}
}

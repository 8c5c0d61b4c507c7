package api

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web"
)

// The default rate limits of the API.
const (
	DefaultKeyPerMinute = 600 // requests a minute of one API key
	DefaultKeyBurst     = 100 // requests one API key may send at once
	DefaultIPPerMinute  = 60  // unauthenticated or refused requests a minute of one client address
	DefaultIPBurst      = 30
)

// RateLimits are the API's token-bucket request limits, kept in the
// process's memory (each replica counts its own requests). The zero value
// uses the defaults above.
type RateLimits struct {
	// Off turns every limit off.
	Off bool
	// KeyPerMinute and KeyBurst limit each API key's requests.
	KeyPerMinute, KeyBurst int
	// IPPerMinute and IPBurst limit, per client address, the requests that
	// carry no valid API key (refused ones, and the public OpenAPI document).
	// Requests with a valid key are never held back by their address.
	IPPerMinute, IPBurst int
}

// limiters are the buckets of a mounted Handler.
type limiters struct {
	key, ip *limiter
}

func newLimiters(l RateLimits, now func() time.Time) *limiters {
	if l.Off {
		return &limiters{}
	}
	or := func(v, def int) int {
		if v <= 0 {
			return def
		}
		return v
	}
	return &limiters{
		key: newLimiter(or(l.KeyPerMinute, DefaultKeyPerMinute), or(l.KeyBurst, DefaultKeyBurst), now),
		ip:  newLimiter(or(l.IPPerMinute, DefaultIPPerMinute), or(l.IPBurst, DefaultIPBurst), now),
	}
}

// limiter is a set of token buckets, one per key: each holds up to burst
// tokens, refills at perMinute a minute, and a request takes one.
type limiter struct {
	perMinute int
	rate      float64 // tokens a second
	burst     float64
	now       func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
	// refused is true from a refusal to the next allowed request, so that
	// only the first refusal of a run is logged.
	refused bool
}

func newLimiter(perMinute, burst int, now func() time.Time) *limiter {
	return &limiter{perMinute: perMinute, rate: float64(perMinute) / 60, burst: float64(burst), now: now,
		buckets: map[string]*bucket{}}
}

// take takes a token from key's bucket. When the bucket is empty it takes
// nothing and returns false with the time until a token is back, and first
// when the request before was allowed.
func (l *limiter) take(key string) (ok bool, wait time.Duration, first bool) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.refill(now, l.rate, l.burst)
	if b.tokens >= 1 {
		b.tokens--
		b.refused = false
		return true, 0, false
	}
	first = !b.refused
	b.refused = true
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second)), first
}

func (b *bucket) refill(now time.Time, rate, burst float64) {
	if d := now.Sub(b.last); d > 0 { // a clock going back refills nothing
		b.tokens = math.Min(burst, b.tokens+d.Seconds()*rate)
		b.last = now
	}
}

// sweep forgets the buckets that have refilled to full (the same as no
// bucket), at most once per refill time, so that the map holds only the keys
// and addresses of the last moments.
func (l *limiter) sweep(now time.Time) {
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	if now.Sub(l.lastSweep) < full {
		return
	}
	l.lastSweep = now
	for k, b := range l.buckets {
		b.refill(now, l.rate, l.burst)
		if b.tokens >= l.burst {
			delete(l.buckets, k)
		}
	}
}

// allow takes a token for key from l; when none is left it writes a 429 with
// Retry-After (whole seconds, at least 1) and returns false. A nil limiter
// allows everything.
func (l *limiter) allow(w http.ResponseWriter, r *http.Request, key, what string) bool {
	if l == nil {
		return true
	}
	ok, wait, first := l.take(key)
	if ok {
		return true
	}
	secs := max(int(math.Ceil(wait.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	if first { // one line per run of refusals, not one per request of a flood
		web.Logger(r.Context()).WarnContext(r.Context(), "api rate limit reached", "limit", what, "client_ip", clientIP(r))
	}
	web.WriteError(w, r, &directory.Error{Code: directory.ERATELIMITED,
		Message: fmt.Sprintf("too many requests %s (at most %d a minute): retry after %d s", what, l.perMinute, secs)})
	return false
}

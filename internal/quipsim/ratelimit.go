package quipsim

import (
	"strconv"
	"sync"
	"time"
)

// limiter is a fixed one-minute window per company: the window starts at
// a company's first request and resets a minute later. Counters live in
// memory (quipsim is one process; a restart forgets them).
type limiter struct {
	mu      sync.Mutex
	limit   int
	now     func() time.Time
	windows map[string]*window
}

type window struct {
	start time.Time
	count int
}

func newLimiter(limit int, now func() time.Time) *limiter {
	return &limiter{limit: limit, now: now, windows: map[string]*window{}}
}

// rateState is the outcome of one request against the limit.
type rateState struct {
	on        bool
	limit     int
	remaining int
	reset     time.Time
	allowed   bool
	now       time.Time
}

func (l *limiter) take(company string) rateState {
	if l.limit <= 0 {
		return rateState{allowed: true}
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.windows[company]
	if w == nil || !now.Before(w.start.Add(time.Minute)) {
		w = &window{start: now}
		l.windows[company] = w
	}
	st := rateState{on: true, limit: l.limit, reset: w.start.Add(time.Minute), now: now}
	if w.count >= l.limit {
		return st
	}
	w.count++
	st.allowed = true
	st.remaining = l.limit - w.count
	return st
}

// header writes X-Scim-RateLimit-Limit, -Remaining and -Reset; Reset is
// the end of the window as Unix time in seconds (UTC), rounded up.
func (st rateState) header(h interface{ Set(string, string) }) {
	if !st.on {
		return
	}
	h.Set("X-Scim-RateLimit-Limit", strconv.Itoa(st.limit))
	h.Set("X-Scim-RateLimit-Remaining", strconv.Itoa(st.remaining))
	h.Set("X-Scim-RateLimit-Reset", strconv.FormatInt(ceilUnix(st.reset), 10))
}

// retryAfter is the whole number of seconds (at least 1) until the window resets.
func (st rateState) retryAfter() int {
	d := st.reset.Sub(st.now)
	secs := int((d + time.Second - 1) / time.Second)
	return max(secs, 1)
}

func ceilUnix(t time.Time) int64 {
	if t.Nanosecond() > 0 {
		return t.Unix() + 1
	}
	return t.Unix()
}

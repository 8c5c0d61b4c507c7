package loadgen

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Operation kinds that a Mix can weigh. OpChange is shorthand for an even
// split between OpUpdate and OpMember.
const (
	OpSSO    = "sso"    // a full SP-initiated sign-in with a fresh cookie jar
	OpChange = "change" // a directory change: update or member, alternately
	OpUpdate = "update" // PATCH a user's display name and last name
	OpMember = "member" // add a user to, or remove one from, the churn group
)

// Names of the measured operations in a Report.
const (
	MeasureSSO          = "sso"
	MeasureUserUpdate   = "user-update"
	MeasureMemberAdd    = "member-add"
	MeasureMemberRemove = "member-remove"
)

// MixEntry is one operation kind and its weight.
type MixEntry struct {
	Op     string
	Weight int
}

// Mix is the weighted choice of operations, e.g. sso=70,change=30.
type Mix []MixEntry

// ParseMix reads "op=weight,op=weight" with ops sso, change, update and
// member and non-negative integer weights, at least one of them positive.
func ParseMix(s string) (Mix, error) {
	var m Mix
	seen := map[string]bool{}
	total := 0
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, w, ok := strings.Cut(part, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok {
			return nil, fmt.Errorf("mix %q: want op=weight, e.g. sso=70,change=30", part)
		}
		switch name {
		case OpSSO, OpChange, OpUpdate, OpMember:
		default:
			return nil, fmt.Errorf("mix: unknown operation %q (want sso, change, update or member)", name)
		}
		if seen[name] {
			return nil, fmt.Errorf("mix: %s given twice", name)
		}
		seen[name] = true
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n < 0 || n > 1_000_000 {
			return nil, fmt.Errorf("mix: weight of %s %q: want an integer from 0 to 1000000", name, w)
		}
		total += n
		m = append(m, MixEntry{Op: name, Weight: n})
	}
	if total == 0 {
		return nil, errors.New("mix: no operation has a positive weight")
	}
	return m, nil
}

// String writes the mix back as op=weight pairs.
func (m Mix) String() string {
	parts := make([]string, len(m))
	for i, e := range m {
		parts[i] = e.Op + "=" + strconv.Itoa(e.Weight)
	}
	return strings.Join(parts, ",")
}

// pick returns the operation for a uniform draw in [0, total weight).
func (m Mix) pick(n int) string {
	for _, e := range m {
		if n < e.Weight {
			return e.Op
		}
		n -= e.Weight
	}
	return m[len(m)-1].Op
}

func (m Mix) total() int {
	t := 0
	for _, e := range m {
		t += e.Weight
	}
	return t
}

func (m Mix) has(ops ...string) bool {
	for _, e := range m {
		for _, op := range ops {
			if e.Op == op && e.Weight > 0 {
				return true
			}
		}
	}
	return false
}

// Config is one load run.
type Config struct {
	// BaseURL is the Jumpgate server, e.g. http://127.0.0.1:8080.
	BaseURL string
	// APIKeys are admin API keys; requests take them in turn, so N keys
	// allow N times the API's per-key rate limit (600 a minute by default).
	APIKeys []string
	// Duration of the measured load, after the fixtures are made.
	Duration time.Duration
	// Rate is the steady arrival rate in operations a second (open loop:
	// an operation starts on schedule whether or not earlier ones ended, and
	// its latency counts from its scheduled start). 0 runs closed loop: each
	// worker starts its next operation when the last one ends.
	Rate float64
	// Concurrency is the number of workers (operations in flight at most).
	Concurrency int
	// Mix weighs the operations.
	Mix Mix
	// Users is the number of fixture users that sign in and are changed.
	Users int
	// ReportEvery prints a progress line (and samples the server's
	// metrics) at this interval; 0 means every 10 s.
	ReportEvery time.Duration
	// Timeout bounds each HTTP request; 0 means 30 s.
	Timeout time.Duration
	// IdleWait is how long to wait, after the load and with the client's
	// connections closed, before the last ("idle") sample; 0 means 2 s.
	// Past 2 minutes the Go runtime has run a periodic GC, so the idle heap
	// is what is still live rather than garbage not yet collected.
	IdleWait time.Duration
	// KeepFixtures leaves the fixture users, groups and app in place.
	KeepFixtures bool
	// Out receives progress lines; nil discards them.
	Out io.Writer
	// Transport is the HTTP transport of every request; nil makes one
	// that keeps up to Concurrency idle connections.
	Transport http.RoundTripper
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Seed seeds the choice of operations and users (with the worker
	// number); 0 takes one from the clock.
	Seed uint64
}

// Validate checks the settings and fills in the defaults.
func (c *Config) Validate() error {
	var errs []error
	u, err := url.Parse(c.BaseURL)
	if c.BaseURL == "" {
		errs = append(errs, errors.New("--url (or JUMPGATE_URL) is required"))
	} else if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("--url %q: want http(s)://host[:port]", c.BaseURL))
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if len(c.APIKeys) == 0 {
		errs = append(errs, errors.New("--api-key (or JUMPGATE_API_KEY) is required"))
	}
	if c.Duration <= 0 {
		errs = append(errs, fmt.Errorf("--duration %s: want a positive duration", c.Duration))
	}
	if c.Rate < 0 || c.Rate > 100_000 {
		errs = append(errs, fmt.Errorf("--rate %g: want 0 (closed loop) to 100000 ops/s", c.Rate))
	}
	if c.Concurrency < 1 || c.Concurrency > 10_000 {
		errs = append(errs, fmt.Errorf("--concurrency %d: want 1 to 10000", c.Concurrency))
	}
	if c.Users < 1 || c.Users > 100_000 {
		errs = append(errs, fmt.Errorf("--users %d: want 1 to 100000", c.Users))
	}
	if len(c.Mix) == 0 || c.Mix.total() == 0 {
		errs = append(errs, errors.New("--mix: no operation has a positive weight"))
	}
	if c.Mix.has(OpChange, OpMember) && c.Users < 1 {
		errs = append(errs, errors.New("--users: member changes need at least one user"))
	}
	if c.ReportEvery < 0 {
		errs = append(errs, fmt.Errorf("--report-every %s: want a positive duration", c.ReportEvery))
	}
	if c.ReportEvery == 0 {
		c.ReportEvery = 10 * time.Second
	}
	if c.IdleWait < 0 {
		errs = append(errs, fmt.Errorf("--idle-wait %s: want a positive duration", c.IdleWait))
	}
	if c.IdleWait == 0 {
		c.IdleWait = 2 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	return errors.Join(errs...)
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Config) out() io.Writer {
	if c.Out == nil {
		return io.Discard
	}
	return c.Out
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

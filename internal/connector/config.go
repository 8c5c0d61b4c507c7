package connector

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"time"
)

// Doer sends one HTTP request; *http.Client is one. The engine may wrap
// it (tracing, auditing, a rate-limit gate): every call of a connector
// goes through it.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// RateLimitInfo is what one answer said about the application's rate
// limit (X-Scim-RateLimit-Limit, -Remaining, -Reset). Zero fields were
// absent.
type RateLimitInfo struct {
	Limit     int
	Remaining int
	// Reset is when the window ends (zero when absent).
	Reset time.Time
	// RetryAfter is X-Scim-Retry-After or Retry-After, when given.
	RetryAfter time.Duration
}

// Exchange describes one HTTP round trip, for counting and auditing. It
// never holds bodies or headers.
type Exchange struct {
	Method   string
	Path     string
	Status   int // 0 when no answer came
	Duration time.Duration
	Err      error
}

// Config configures a connector. Zero values pick the defaults noted.
type Config struct {
	// Kind selects the factory ("scim", "quip").
	Kind string
	// BaseURL is the SCIM base the admin pasted (see each kind).
	BaseURL string
	// Token is sent as "Authorization: Bearer <token>".
	Token string
	// GroupsEnabled is the admin's "manage user groups" switch.
	GroupsEnabled bool
	// HTTPClient is used when Doer is nil (default: a client with
	// no overall timeout; RequestTimeout bounds each call).
	HTTPClient *http.Client
	// Doer, when set, sends every request instead of HTTPClient.
	Doer Doer
	// RequestTimeout bounds each HTTP call (default 30 s).
	RequestTimeout time.Duration
	// MaxResponseBytes bounds each answer body (default 8 MiB).
	MaxResponseBytes int64
	// OnRateLimit, when set, receives the rate-limit headers of every
	// answer that has any.
	OnRateLimit func(RateLimitInfo)
	// OnExchange, when set, is called after every HTTP round trip.
	OnExchange func(Exchange)
	// Now is the clock, for HTTP-date Retry-After (default time.Now).
	Now func() time.Time
}

// Defaults for Config.
const (
	DefaultRequestTimeout   = 30 * time.Second
	DefaultMaxResponseBytes = 8 << 20
)

// WithDefaults returns c with zero values replaced by defaults.
func (c Config) WithDefaults() Config {
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.Doer == nil {
		c.Doer = c.HTTPClient
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.MaxResponseBytes <= 0 {
		c.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Factory builds a connector. It may call the application (the generic
// kind reads /ServiceProviderConfig); its errors are *Error.
type Factory func(ctx context.Context, cfg Config) (Connector, error)

// Registry maps a kind to its factory. Build one with NewRegistry and
// Register (catalog.DefaultRegistry lists the built-in kinds); there is
// no global registry.
type Registry struct {
	factories map[string]Factory
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{factories: map[string]Factory{}} }

// Register adds a kind; registering a kind twice panics (a wiring bug).
func (r *Registry) Register(kind string, f Factory) {
	if _, dup := r.factories[kind]; dup || f == nil {
		panic(fmt.Sprintf("connector: kind %q registered twice or nil", kind))
	}
	r.factories[kind] = f
}

// Kinds returns the registered kinds, sorted.
func (r *Registry) Kinds() []string {
	out := make([]string, 0, len(r.factories))
	for k := range r.factories {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Open builds the connector of cfg.Kind.
func (r *Registry) Open(ctx context.Context, cfg Config) (Connector, error) {
	f, ok := r.factories[cfg.Kind]
	if !ok {
		return nil, &Error{Op: "Open", Detail: fmt.Sprintf("unknown connector kind %q", cfg.Kind)}
	}
	return f(ctx, cfg)
}

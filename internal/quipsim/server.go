package quipsim

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
)

// DefaultRateLimit is Quip's SCIM rate limit: requests per minute per company.
const DefaultRateLimit = 600

// Config configures a Server. Zero values pick the defaults noted.
type Config struct {
	// DB is the SQLite file, or ":memory:".
	DB string
	// RateLimit is SCIM requests per minute per company: 0 means
	// DefaultRateLimit, a negative value turns limiting off.
	RateLimit int
	// BaseURL, when set (e.g. "https://quip.example"), is used for
	// Location headers and links instead of the request's host.
	BaseURL string
	// FaultToken guards POST /_faults; empty disables that endpoint.
	FaultToken string
	// Faults are the initial faults (none by default).
	Faults Faults
	// MaxBodyBytes bounds request bodies (default 1 MiB).
	MaxBodyBytes int64
	// SessionTTL is how long a sign-in session lasts (default 12 h).
	SessionTTL time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Rand is the source of ids and tokens (default crypto/rand.Reader).
	Rand io.Reader
	// Float returns a number in [0,1) for fault injection (default math/rand/v2).
	Float func() float64
	// Sleep waits for injected latency (default a timer honouring ctx).
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger receives operational logs (default discards).
	Logger *slog.Logger
}

// Server is the Quip-compatible service. It is an http.Handler.
type Server struct {
	cfg     Config
	db      *db
	mux     *http.ServeMux
	limiter *limiter
	tokens  tokenCache
	log     *slog.Logger

	faultMu sync.Mutex
	faults  Faults
}

// New opens (and migrates) the database and returns a ready Server.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.RateLimit == 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Float == nil {
		var seed [32]byte
		if _, err := io.ReadFull(cfg.Rand, seed[:]); err != nil {
			return nil, fmt.Errorf("quipsim: seed: %w", err)
		}
		r := mrand.New(mrand.NewChaCha8(seed))
		var mu sync.Mutex
		cfg.Float = func() float64 { mu.Lock(); defer mu.Unlock(); return r.Float64() }
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Faults.validate(); err != nil {
		return nil, err
	}
	d, err := openDB(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, db: d, log: cfg.Logger, faults: cfg.Faults,
		limiter: newLimiter(cfg.RateLimit, cfg.Now)}
	s.mux = http.NewServeMux()
	s.routes()
	return s, nil
}

// Close closes the database.
func (s *Server) Close() error { return s.db.close() }

// ServeHTTP serves every quipsim endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) routes() {
	for _, p := range []string{"/2", "/business/admin/scim/2"} {
		s.mux.Handle(p+"/", s.scimHandler(p))
	}
	s.mux.HandleFunc("POST /_faults", s.handleFaults)
	s.mux.HandleFunc("GET /_faults", s.handleFaults)
	s.tokenPageRoutes()
	s.samlRoutes()
}

func (s *Server) now() time.Time { return s.cfg.Now().UTC() }

// newID returns a UUIDv7 (time-ordered, from the injected clock and
// random source): new rows land at the end of the id indexes, which
// keeps inserts cheap.
func (s *Server) newID() string {
	var u uuid.UUID
	if _, err := io.ReadFull(s.cfg.Rand, u[6:]); err != nil {
		panic(fmt.Sprintf("quipsim: random source failed: %v", err))
	}
	ms := uint64(s.cfg.Now().UnixMilli())
	u[0], u[1], u[2], u[3], u[4], u[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	u[6] = u[6]&0x0f | 0x70
	u[8] = u[8]&0x3f | 0x80
	return u.String()
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

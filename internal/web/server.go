package web

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// Options configure a Server. Zero values take the documented defaults.
type Options struct {
	Logger *slog.Logger // slog.Default() when nil
	// Ping checks readiness (the database); /readyz answers 503 when it fails
	// or takes longer than ReadyTimeout (default 2s). Nil means always ready.
	Ping            func(ctx context.Context) error
	ReadyTimeout    time.Duration
	ShutdownTimeout time.Duration    // default 15s
	Now             func() time.Time // default time.Now
	NewRequestID    func() string    // default 96 random bits, hex
	// TLSCertFile and TLSKeyFile, when both set, make Serve answer HTTPS
	// (TLS 1.2 or later) and every answer carry Strict-Transport-Security.
	TLSCertFile, TLSKeyFile string
	// TrustedProxies are the load balancers in front of the server: for a
	// request from one of them, the client is the right-most address of
	// X-Forwarded-For that is not itself a trusted proxy. Empty trusts no
	// proxy header.
	TrustedProxies []netip.Prefix
}

// HSTS is the Strict-Transport-Security value sent over TLS: two years,
// subdomains included.
const HSTS = "max-age=63072000; includeSubDomains"

// Mounter is a handler group that registers its own routes on the mux.
type Mounter interface {
	Mount(mux *http.ServeMux)
}

// Server is Jumpgate's HTTP server: a mux with /healthz, /readyz and
// /metrics, the handler groups mounted on it, and the middleware around it.
type Server struct {
	logger          *slog.Logger
	ping            func(ctx context.Context) error
	readyTimeout    time.Duration
	shutdownTimeout time.Duration
	now             func() time.Time
	newRequestID    func() string
	mux             *http.ServeMux
	metrics         *metrics
	tlsCert, tlsKey string
	trustedProxies  []netip.Prefix
}

// NewServer returns a server with the operational endpoints mounted.
func NewServer(o Options) *Server {
	s := &Server{
		logger: o.Logger, ping: o.Ping, readyTimeout: o.ReadyTimeout, shutdownTimeout: o.ShutdownTimeout,
		now: o.Now, newRequestID: o.NewRequestID, mux: http.NewServeMux(), metrics: newMetrics(),
	}
	s.trustedProxies = o.TrustedProxies
	if o.TLSCertFile != "" && o.TLSKeyFile != "" {
		s.tlsCert, s.tlsKey = o.TLSCertFile, o.TLSKeyFile
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	if s.readyTimeout <= 0 {
		s.readyTimeout = 2 * time.Second
	}
	if s.shutdownTimeout <= 0 {
		s.shutdownTimeout = 15 * time.Second
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.newRequestID == nil {
		s.newRequestID = newRequestID
	}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))
	return s
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.ping != nil {
		ctx, cancel := context.WithTimeout(r.Context(), s.readyTimeout)
		defer cancel()
		if err := s.ping(ctx); err != nil {
			WriteError(w, r, &directory.Error{Code: directory.EUNAVAILABLE, Message: "the database is not ready", Err: err})
			return
		}
	}
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// Mount lets each handler group register its routes.
func (s *Server) Mount(ms ...Mounter) {
	for _, m := range ms {
		m.Mount(s.mux)
	}
}

// Registry is the server's own Prometheus registry, for other packages'
// metrics.
func (s *Server) Registry() *prometheus.Registry { return s.metrics.registry }

// Handler returns the mux wrapped in the middleware.
func (s *Server) Handler() http.Handler { return s.observe(capturePattern(s.mux)) }

// Serve answers on ln until ctx is done, then shuts down gracefully: new
// connections are refused and requests in flight get ShutdownTimeout to
// finish. It returns nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	if s.tlsCert != "" {
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		go func() { errc <- srv.ServeTLS(ln, s.tlsCert, s.tlsKey) }()
	} else {
		go func() { errc <- srv.Serve(ln) }()
	}
	select {
	case err := <-errc:
		return fmt.Errorf("web: serve: %w", err)
	case <-ctx.Done():
	}
	s.logger.Info("shutting down", "timeout", s.shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("web: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("web: serve: %w", err)
	}
	return nil
}

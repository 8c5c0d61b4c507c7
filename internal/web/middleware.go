package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

type ctxKey int

const infoKey ctxKey = 0

// requestInfo is what the middleware learns about a request; one pointer in
// the context, so that the route pattern the mux matched deep inside the
// chain is visible to the outer middleware afterwards.
type requestInfo struct {
	id      string
	logger  *slog.Logger
	pattern string
}

func info(ctx context.Context) *requestInfo {
	ri, _ := ctx.Value(infoKey).(*requestInfo)
	return ri
}

// RequestID returns the request's ID, or "" outside a request.
func RequestID(ctx context.Context) string {
	if ri := info(ctx); ri != nil {
		return ri.id
	}
	return ""
}

// Logger returns the request's logger (carrying its request_id), or
// slog.Default() outside a request.
func Logger(ctx context.Context) *slog.Logger {
	if ri := info(ctx); ri != nil && ri.logger != nil {
		return ri.logger
	}
	return slog.Default()
}

// saneRequestID accepts a caller's X-Request-ID of 1 to 64 characters from
// [A-Za-z0-9._:-], so that log lines cannot be forged or bloated.
func saneRequestID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return fmt.Sprintf("t%x", time.Now().UnixNano())
	}
	return hex.EncodeToString(b)
}

// statusWriter records the status and size of an answer.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// securityHeaders are set on every answer. The API serves only JSON, so the
// policy allows nothing; pages that need more set their own.
var securityHeaders = map[string]string{
	"X-Content-Type-Options":  "nosniff",
	"Referrer-Policy":         "no-referrer",
	"X-Frame-Options":         "DENY",
	"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
}

// observe is the outermost middleware: it gives the request its ID and
// logger, sets the security headers and X-Request-ID, recovers panics (500
// JSON, logged with the stack), and at the end writes the access log line
// and the metrics under the matched route pattern.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		id := r.Header.Get("X-Request-ID")
		if !saneRequestID(id) {
			id = s.newRequestID()
		}
		peer := r.RemoteAddr
		if client, ok := s.forwardedClient(r); ok {
			r.RemoteAddr = client
		}
		ri := &requestInfo{id: id, logger: s.logger.With("request_id", id)}
		r = r.WithContext(context.WithValue(r.Context(), infoKey, ri))
		h := w.Header()
		for k, v := range securityHeaders {
			h.Set(k, v)
		}
		h.Set("X-Request-ID", id)
		if s.tlsCert != "" {
			h.Set("Strict-Transport-Security", HSTS)
		}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				ri.logger.ErrorContext(r.Context(), "panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					WriteError(sw, r, &directory.Error{Code: directory.EINTERNAL, Message: "internal error", Err: fmt.Errorf("panic: %v", p)})
				}
			}
			elapsed := s.now().Sub(start)
			route := ri.pattern
			if route == "" {
				route = "unmatched"
			}
			s.metrics.observe(route, sw.code(), elapsed)
			ri.logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", route),
				slog.Int("status", sw.code()), slog.Int64("bytes", sw.bytes),
				slog.Duration("duration", elapsed), slog.String("remote", r.RemoteAddr), slog.String("peer", peer))
		}()
		next.ServeHTTP(sw, r)
	})
}

// capturePattern sits right around the mux and records the pattern it
// matched (the mux sets r.Pattern on the request it was given).
func capturePattern(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if ri := info(r.Context()); ri != nil {
				ri.pattern = r.Pattern
			}
		}()
		mux.ServeHTTP(w, r)
	})
}

// forwardedClient returns the client's address ("ip:0") for a request that
// came through a trusted proxy: the right-most X-Forwarded-For entry that is
// not a trusted proxy (entries left of it could be forged by the client).
// ok is false when the peer is not trusted or the header names no client.
func (s *Server) forwardedClient(r *http.Request) (string, bool) {
	if len(s.trustedProxies) == 0 {
		return "", false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return "", false
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(peer) {
		return "", false
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return "", false
		}
		if !s.trusted(a.Unmap()) {
			return net.JoinHostPort(a.Unmap().String(), "0"), true
		}
	}
	return "", false
}

func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.trustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

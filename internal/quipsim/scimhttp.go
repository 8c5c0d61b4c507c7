package quipsim

import (
	"context"
	"crypto/subtle"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/scim"
)

type ctxKey int

const (
	companyKey ctxKey = iota
	baseKey
)

func companyFrom(ctx context.Context) string { s, _ := ctx.Value(companyKey).(string); return s }
func baseFrom(ctx context.Context) string    { s, _ := ctx.Value(baseKey).(string); return s }

func constantEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// scimHandler serves one SCIM base path (prefix): faults, then bearer
// authentication, then the per-company rate limit, then the resource.
func (s *Server) scimHandler(prefix string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.injectFaults(w, r) {
			return
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			tok, ok = strings.CutPrefix(r.Header.Get("Authorization"), "bearer ")
		}
		companyID, valid, err := s.companyForToken(r.Context(), strings.TrimSpace(tok))
		if err != nil {
			s.log.ErrorContext(r.Context(), "token lookup failed", "err", err)
			scim.WriteError(w, err)
			return
		}
		if !ok || !valid {
			w.Header().Set("WWW-Authenticate", `Bearer realm="quipsim"`)
			scim.WriteError(w, scim.Errorf(http.StatusUnauthorized, "", "a valid bearer token is required"))
			return
		}
		st := s.limiter.take(companyID)
		st.header(w.Header())
		if !st.allowed {
			ra := strconv.Itoa(st.retryAfter())
			w.Header().Set("X-Scim-Retry-After", ra)
			w.Header().Set("Retry-After", ra)
			scim.WriteError(w, scim.Errorf(http.StatusTooManyRequests, "", "rate limit of %d requests per minute exceeded", st.limit))
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		}
		if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
			if ct := r.Header.Get("Content-Type"); ct != "" {
				mt, _, err := mime.ParseMediaType(ct)
				if err != nil || (mt != scim.ContentType && mt != "application/json") {
					scim.WriteError(w, scim.Errorf(http.StatusUnsupportedMediaType, "", "Content-Type must be application/scim+json or application/json"))
					return
				}
			}
		}
		ctx := context.WithValue(r.Context(), companyKey, companyID)
		ctx = context.WithValue(ctx, baseKey, s.baseURL(r, prefix))
		s.route(w, r.WithContext(ctx), strings.TrimPrefix(r.URL.Path, prefix))
	})
}

func (s *Server) baseURL(r *http.Request, prefix string) string {
	if s.cfg.BaseURL != "" {
		return strings.TrimSuffix(s.cfg.BaseURL, "/") + prefix
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + prefix
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	scim.WriteError(w, scim.Errorf(http.StatusMethodNotAllowed, "", "method not allowed; allowed: %s", allow))
}

// route dispatches rest (the path after the SCIM base) to a resource.
func (s *Server) route(w http.ResponseWriter, r *http.Request, rest string) {
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	switch {
	case len(parts) == 1 && parts[0] == "Users":
		switch r.Method {
		case http.MethodGet:
			s.listUsers(w, r)
		case http.MethodPost:
			s.postUser(w, r)
		default:
			methodNotAllowed(w, "GET, POST")
		}
	case len(parts) == 2 && parts[0] == "Users":
		switch r.Method {
		case http.MethodGet:
			s.getUserHTTP(w, r, parts[1])
		case http.MethodPut:
			s.putUser(w, r, parts[1])
		case http.MethodPatch:
			s.patchUser(w, r, parts[1])
		case http.MethodDelete:
			s.deleteUser(w, r, parts[1])
		default:
			methodNotAllowed(w, "GET, PUT, PATCH, DELETE")
		}
	case len(parts) == 1 && parts[0] == "Groups":
		switch r.Method {
		case http.MethodGet:
			s.listGroups(w, r)
		case http.MethodPost:
			s.postGroup(w, r)
		default:
			methodNotAllowed(w, "GET, POST")
		}
	case len(parts) == 2 && parts[0] == "Groups":
		switch r.Method {
		case http.MethodGet:
			s.getGroupHTTP(w, r, parts[1])
		case http.MethodPut:
			s.putGroup(w, r, parts[1])
		case http.MethodPatch:
			scim.WriteError(w, scim.Errorf(http.StatusNotImplemented, "", "PATCH is not supported for Groups; use PUT"))
		case http.MethodDelete:
			s.deleteGroupHTTP(w, r, parts[1])
		default:
			methodNotAllowed(w, "GET, PUT, DELETE")
		}
	case len(parts) <= 2 && (parts[0] == "ServiceProviderConfig" || parts[0] == "ResourceTypes" || parts[0] == "Schemas"):
		if r.Method != http.MethodGet {
			methodNotAllowed(w, "GET")
			return
		}
		s.discovery(w, r, parts)
	default:
		scim.WriteError(w, scim.NotFound("no SCIM endpoint at %s", r.URL.Path))
	}
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	se := scim.AsError(err)
	if se.Status >= 500 {
		s.log.ErrorContext(r.Context(), "scim request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	scim.WriteError(w, se)
}

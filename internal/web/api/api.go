package api

import (
	_ "embed"
	"net/http"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/importer"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/mail"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
	"github.com/jumpgate-idp/jumpgate/internal/web"
)

// OpenAPI is the API's OpenAPI 3 document, served at GET /api/v1/openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

// Handler serves the admin JSON API. Reads go to Store; every change goes
// through Service so that it commits with its change record and effects.
type Handler struct {
	Store   directory.Store
	Service *lifecycle.Service
	Auth    *auth.Authenticator
	// Users makes activation links; the activation-link route answers 503 without it.
	Users *userauth.Service
	// Insights answers /api/v1/insights/*; those routes answer 503 without it.
	Insights *insights.Store
	// IdM keeps identity-management settings and IdMEngine syncs; the
	// /api/v1/apps/{id}/idm routes answer 503 without them.
	IdM       *provision.Manager
	IdMEngine *provision.Engine
	// Importer imports application users; the import routes answer 503 without it.
	Importer *importer.Importer
	// Outbox holds mail when no SMTP server is configured (GET /api/v1/outbox).
	Outbox *mail.Outbox
	// AuthFailures, when set, is told of every refused API key.
	AuthFailures APIKeyFailureRecorder
	// RateLimits limit the requests of each API key and, for requests
	// without a valid key, of each client address (429 with Retry-After);
	// the zero value uses the defaults. Read by Mount.
	RateLimits RateLimits
	// Now is the clock of the rate limits; time.Now when nil.
	Now func() time.Time

	routes []string
	limits *limiters
}

// access is what a route requires of the caller.
type access int

const (
	public    access = iota // no credentials (the OpenAPI document)
	readOnly                // any valid API key
	writeOnly               // an API key of the admin role
)

type handlerFunc func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error

// Mount registers every route of the API on mux.
func (h *Handler) Mount(mux *http.ServeMux) {
	h.routes = h.routes[:0]
	now := h.Now
	if now == nil {
		now = time.Now
	}
	h.limits = newLimiters(h.RateLimits, now)
	h.handle(mux, "GET /api/v1/openapi.json", public, h.openAPI)

	h.handle(mux, "GET /api/v1/users", readOnly, h.listUsers)
	h.handle(mux, "POST /api/v1/users", writeOnly, h.createUser)
	h.handle(mux, "GET /api/v1/users/{id}", readOnly, h.getUser)
	h.handle(mux, "PATCH /api/v1/users/{id}", writeOnly, h.updateUser)
	h.handle(mux, "DELETE /api/v1/users/{id}", writeOnly, h.deleteUser)
	h.handle(mux, "POST /api/v1/users/{id}/suspend", writeOnly, h.suspendUser)
	h.handle(mux, "POST /api/v1/users/{id}/activate", writeOnly, h.activateUser)
	h.handle(mux, "GET /api/v1/users/{id}/groups", readOnly, h.userGroups)
	h.handle(mux, "POST /api/v1/users/{id}/activation-link", writeOnly, h.createActivationLink)
	h.handle(mux, "POST /api/v1/users/{id}/unlock", writeOnly, h.unlockUser)

	h.handle(mux, "GET /api/v1/groups", readOnly, h.listGroups)
	h.handle(mux, "POST /api/v1/groups", writeOnly, h.createGroup)
	h.handle(mux, "GET /api/v1/groups/{id}", readOnly, h.getGroup)
	h.handle(mux, "PATCH /api/v1/groups/{id}", writeOnly, h.updateGroup)
	h.handle(mux, "DELETE /api/v1/groups/{id}", writeOnly, h.deleteGroup)
	h.handle(mux, "GET /api/v1/groups/{id}/members", readOnly, h.listMembers)
	h.handle(mux, "POST /api/v1/groups/{id}/members", writeOnly, h.addMembers)
	h.handle(mux, "DELETE /api/v1/groups/{id}/members", writeOnly, h.removeMembers)

	// Change records carry every attribute's history: admins only.
	h.handle(mux, "GET /api/v1/changes", writeOnly, h.listChanges)

	h.mountApps(mux)
	h.mountInsights(mux)
	h.mountIdM(mux)
	h.mountImports(mux)
	h.mountUnknown(mux)
}

// mountUnknown answers every other request under /api/ with the API's JSON
// error (the mux's own answers are plain text): 405 with Allow for a known
// path and another method, else 404.
func (h *Handler) mountUnknown(mux *http.ServeMux) {
	paths := http.NewServeMux()
	allow := map[string][]string{}
	for _, p := range h.routes {
		method, path, _ := strings.Cut(p, " ")
		if _, ok := allow[path]; !ok {
			paths.HandleFunc(path, func(http.ResponseWriter, *http.Request) {})
		}
		allow[path] = append(allow[path], method)
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := paths.Handler(r); pattern != "" {
			methods := strings.Join(allow[pattern], ", ")
			w.Header().Set("Allow", methods)
			web.WriteError(w, r, &directory.Error{Code: directory.EMETHOD,
				Message: r.Method + " is not allowed on " + r.URL.Path + "; allowed: " + methods})
			return
		}
		web.WriteError(w, r, &directory.Error{Code: directory.ENOTFOUND,
			Message: "no such API route: " + r.Method + " " + r.URL.Path + " (see GET /api/v1/openapi.json)"})
	})
}

// Routes lists the patterns Mount registered, in order.
func (h *Handler) Routes() []string { return append([]string(nil), h.routes...) }

func (h *Handler) handle(mux *http.ServeMux, pattern string, need access, fn handlerFunc) {
	h.routes = append(h.routes, pattern)
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		var p *auth.Principal
		if need == public && !h.limits.ip.allow(w, r, clientIP(r), "from this address without an API key") {
			return
		}
		if need != public {
			var err error
			if p, err = h.authenticate(r); err != nil {
				// A refused key counts against its address; past the limit
				// the answer is 429 (and no audit event per request).
				if directory.ErrorCode(err) == directory.EUNAUTHORIZED &&
					!h.limits.ip.allow(w, r, clientIP(r), "from this address without a valid API key") {
					return
				}
				h.recordAuthFailure(r, err)
				web.WriteError(w, r, err)
				return
			}
			if !h.limits.key.allow(w, r, p.Key.ID, "for this API key") {
				return
			}
			if need == writeOnly && !p.CanWrite() {
				web.WriteError(w, r, &directory.Error{Code: directory.EFORBIDDEN,
					Message: "this API key's admin role may only read", Err: errFor(p)})
				return
			}
			web.Logger(r.Context()).Debug("authenticated", "admin_id", p.Admin.ID, "key_prefix", p.Key.Prefix)
		}
		if err := fn(w, r, p); err != nil {
			web.WriteError(w, r, err)
		}
	})
}

type forbiddenCause struct{ admin, role string }

func (f forbiddenCause) Error() string { return "admin " + f.admin + " has role " + f.role }

func errFor(p *auth.Principal) error { return forbiddenCause{p.Admin.ID, string(p.Admin.Role)} }

type authCause string

func (c authCause) Error() string { return string(c) }

func (h *Handler) authenticate(r *http.Request) (*auth.Principal, error) {
	hdr := r.Header.Get("Authorization")
	if hdr == "" {
		return nil, &directory.Error{Code: directory.EUNAUTHORIZED, Message: "authentication required: send Authorization: Bearer <API key>",
			Err: authCause("no Authorization header")}
	}
	scheme, token, ok := strings.Cut(hdr, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, &directory.Error{Code: directory.EUNAUTHORIZED, Message: "authentication required: send Authorization: Bearer <API key>",
			Err: authCause("Authorization header is not a Bearer token")}
	}
	return h.Auth.AuthenticateAPIKey(r.Context(), strings.TrimSpace(token))
}

func (h *Handler) openAPI(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(OpenAPI)
	return err
}

// Page is the JSON of every list answer.
type Page[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

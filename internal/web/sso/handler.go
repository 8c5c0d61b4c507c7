package sso

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

// App is an application as the SSO endpoints need it: the directory record,
// its SAML settings and the samlidp configuration (with the active signing
// key) built from them.
type App struct {
	App    directory.App
	SSO    directory.AppSSO
	Config samlidp.AppConfig
}

// Apps is what the endpoints need from the application catalogue.
type Apps interface {
	// SSOApp returns the app with the slug; ENOTFOUND when there is none.
	// An app whose SSO is not configured yet is returned with an empty
	// SPEntityID.
	SSOApp(ctx context.Context, slug string) (*App, error)
	// UserMayUseApp reports whether the user is an activated member of a
	// group bound to the app.
	UserMayUseApp(ctx context.Context, userID, appID string) (bool, error)
	// Metadata returns the app's IdP metadata XML; ENOTFOUND.
	Metadata(ctx context.Context, slug string) ([]byte, error)
}

// Decisions recorded in SSOEvent.Decision.
const (
	DecisionIssued  = "issued"
	DecisionRefused = "refused"
)

// SSOEvent is one sign-in decision of the IdP.
type SSOEvent struct {
	Time       time.Time
	AppID      string
	AppSlug    string
	AppLabel   string
	UserID     string
	UserEmail  string
	SPEntityID string
	Initiated  string // "sp" or "idp"
	Decision   string // DecisionIssued or DecisionRefused
	Reason     string // why refused; "" when issued
	ClientIP   string
	RequestID  string // the HTTP request id
}

// Recorder receives every SSO decision. Record must not fail the request;
// it logs its own errors.
type Recorder interface {
	Record(ctx context.Context, e SSOEvent)
}

// SlogRecorder records SSO decisions as structured log lines.
type SlogRecorder struct{ Logger *slog.Logger }

// Record writes e at info level (issued) or warn level (refused).
func (s SlogRecorder) Record(ctx context.Context, e SSOEvent) {
	l := s.Logger
	if l == nil {
		l = slog.Default()
	}
	level := slog.LevelInfo
	if e.Decision != DecisionIssued {
		level = slog.LevelWarn
	}
	l.LogAttrs(ctx, level, "sso",
		slog.String("decision", e.Decision), slog.String("reason", e.Reason),
		slog.String("app", e.AppSlug), slog.String("app_id", e.AppID), slog.String("user", e.UserID),
		slog.String("user_email", e.UserEmail), slog.String("sp", e.SPEntityID), slog.String("initiated", e.Initiated),
		slog.String("client_ip", e.ClientIP), slog.String("request_id", e.RequestID))
}

// Handler serves the IdP endpoints. Paths: see Mount.
type Handler struct {
	Apps     Apps
	Users    *userauth.Service
	Store    *sqlstore.Store // pending requests, replay cache, user and group lookups
	IdP      *samlidp.IdP
	Recorder Recorder
	Cookies  userauth.Cookies
	BaseURL  string // the server's public URL, for Origin checks
	// PersistentSecret keys PersistentNameID (a per-install secret).
	PersistentSecret []byte
	// LoginPath is the sign-in page; it gets ?pending=<id>. Default
	// /console/login.
	LoginPath string
	Now       func() time.Time
	Rand      io.Reader
	Logger    *slog.Logger
}

// Mount registers the routes:
//
//	GET, POST /saml2/{slug}            SP-initiated (HTTP-Redirect, HTTP-POST)
//	POST      /saml2/{slug}/launch     IdP-initiated from the console (CSRF)
//	GET       /saml2/{slug}/metadata   IdP metadata (public)
//	GET       /sso/continue?pending=ID finish a request after sign-in
func (h *Handler) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /saml2/{slug}", h.handleSSO)
	mux.HandleFunc("POST /saml2/{slug}", h.handleSSO)
	mux.HandleFunc("POST /saml2/{slug}/launch", h.handleLaunch)
	mux.HandleFunc("GET /saml2/{slug}/metadata", h.handleMetadata)
	mux.HandleFunc("GET /sso/continue", h.handleContinue)
}

// ContinuePath is where the sign-in page sends the browser after a
// successful sign-in for a pending request.
func ContinuePath(pendingID string) string { return "/sso/continue?pending=" + pendingID }

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) log() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

func (h *Handler) loginPath() string {
	if h.LoginPath != "" {
		return h.LoginPath
	}
	return "/console/login"
}

func (h *Handler) record(ctx context.Context, r *http.Request, e SSOEvent) {
	e.Time = h.now()
	e.ClientIP = ClientIP(r)
	e.RequestID = requestID(r)
	if h.Recorder != nil {
		h.Recorder.Record(ctx, e)
		return
	}
	SlogRecorder{Logger: h.log()}.Record(ctx, e)
}

// ClientIP is the address of the peer (no proxy headers are trusted).
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

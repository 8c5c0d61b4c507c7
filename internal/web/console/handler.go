package console

import (
	"context"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
	"github.com/jumpgate-idp/jumpgate/internal/web"
	"github.com/jumpgate-idp/jumpgate/internal/web/sso"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/console.css
var consoleCSS []byte

var funcs = template.FuncMap{
	"initial": func(s string) string {
		r, _ := utf8.DecodeRuneInString(s)
		if r == utf8.RuneError {
			return "?"
		}
		return strings.ToUpper(string(r))
	},
}

var pages = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range []string{"login", "totp", "apps", "account", "activate", "message"} {
		out[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return out
}()

// CSP of the console's pages: its stylesheet and images (QR codes are data:
// URLs), no scripts at all, forms to this server only.
const CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Apps is what the console needs from the application catalogue.
type Apps interface {
	// PortalApps lists, by label, the apps the user may use that are shown
	// in the user portal.
	PortalApps(ctx context.Context, userID string) ([]directory.App, error)
	// UserMayUseApp reports whether the user is an activated member of a
	// group bound to the app.
	UserMayUseApp(ctx context.Context, userID, appID string) (bool, error)
	// AppImage returns the app's portal image; ENOTFOUND when there is none.
	AppImage(ctx context.Context, appID string) (*directory.AppImage, error)
}

// Handler serves the console. Routes: see Mount.
type Handler struct {
	Users   *userauth.Service
	Apps    Apps
	Cookies userauth.Cookies
	BaseURL string // for Origin checks
	Logger  *slog.Logger
}

// Mount registers the routes:
//
//	GET  /console                       the user's application tiles
//	GET  /console/login, POST           sign-in (?pending=<SSO request id> or ?next=/console/...)
//	POST /console/login/totp            second step
//	POST /console/logout
//	GET  /console/account               TOTP status and sessions; POST /console/account/totp,
//	                                    /console/account/totp/confirm, /console/account/sessions/revoke
//	GET  /console/apps/{id}/image       tile image
//	GET  /console/static/console.css
//	GET  /activate?token=..., POST /activate
func (h *Handler) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /console", h.handleApps)
	mux.HandleFunc("GET /console/{$}", h.handleApps)
	mux.HandleFunc("GET /console/login", h.handleLoginForm)
	mux.HandleFunc("POST /console/login", h.handleLogin)
	mux.HandleFunc("POST /console/login/totp", h.handleTOTP)
	mux.HandleFunc("POST /console/logout", h.handleLogout)
	mux.HandleFunc("GET /console/account", h.handleAccount)
	mux.HandleFunc("POST /console/account/totp", h.handleTOTPBegin)
	mux.HandleFunc("POST /console/account/totp/confirm", h.handleTOTPConfirm)
	mux.HandleFunc("POST /console/account/sessions/revoke", h.handleRevokeSessions)
	mux.HandleFunc("GET /console/apps/{id}/image", h.handleImage)
	mux.HandleFunc("GET /console/static/console.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, _ = w.Write(consoleCSS)
	})
	mux.HandleFunc("GET /activate", h.handleActivateForm)
	mux.HandleFunc("POST /activate", h.handleActivate)
}

func (h *Handler) log() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// view is what every template gets.
type view struct {
	Title, Error, Notice, RequestID string
	Narrow                          bool
	Session                         *userauth.Session
	// login and TOTP
	Login, Pending, Next, CSRF string
	// tiles
	Apps []directory.App
	// account
	TOTPOn       bool
	RecoveryLeft int
	Enrolment    *userauth.TOTPEnrolment
	QR           template.URL
	Codes        []string
	Sessions     []userauth.Session
	// activation
	Token string
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", CSP)
	if status >= 400 || v.Error != "" {
		v.RequestID = web.RequestID(r.Context())
	}
	w.WriteHeader(status)
	if err := pages[name].ExecuteTemplate(w, name+".html", v); err != nil {
		h.log().ErrorContext(r.Context(), "console template", "page", name, "err", err)
	}
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := directory.ErrorCode(err)
	status := web.Status(code)
	msg := directory.ErrorMessage(err)
	title := "Something went wrong"
	if status >= 500 {
		h.log().ErrorContext(r.Context(), "console failed", "request_id", web.RequestID(r.Context()), "err", err)
		msg = "Something went wrong. Try again later; if it keeps failing, give the request ID below to your administrator."
	}
	if status == http.StatusServiceUnavailable {
		title = "Temporarily unavailable"
		msg = "This page cannot be shown right now. Try again in a moment; if it keeps failing, give the request ID below to your administrator."
		w.Header().Set("Retry-After", "5")
	}
	h.render(w, r, status, "message", view{Title: title, Error: msg, Narrow: true})
}

// session returns the signed-in user's session, or nil after redirecting
// to the sign-in page (or answering an error).
func (h *Handler) session(w http.ResponseWriter, r *http.Request, next string) *userauth.Session {
	sess, err := h.Users.Authenticate(r.Context(), h.Cookies.Token(r))
	if err == nil {
		return sess
	}
	if directory.ErrorCode(err) == directory.EUNAUTHORIZED {
		http.Redirect(w, r, "/console/login?next="+next, http.StatusSeeOther)
		return nil
	}
	h.fail(w, r, err)
	return nil
}

// postSession is session for a POST form: it also checks the CSRF token
// and the request's origin.
func (h *Handler) postSession(w http.ResponseWriter, r *http.Request) *userauth.Session {
	r.Body = http.MaxBytesReader(w, r.Body, 8192)
	if err := r.ParseForm(); err != nil {
		h.render(w, r, http.StatusBadRequest, "message", view{Title: "Bad request", Error: "The form could not be read.", Narrow: true})
		return nil
	}
	sess := h.session(w, r, "/console")
	if sess == nil {
		return nil
	}
	if !userauth.SameOrigin(r, h.BaseURL) || !userauth.CheckCSRF(sess, r.PostForm.Get(userauth.CSRFField)) {
		h.log().WarnContext(r.Context(), "console form refused", "reason", "csrf", "user", sess.UserID)
		h.render(w, r, http.StatusForbidden, "message", view{Title: "Request refused", Error: "This form has expired or did not come from this site. Go back and try again.", Narrow: true})
		return nil
	}
	return sess
}

// safeNext accepts only a relative console path as a return target.
func safeNext(s string) string {
	if s == "/console" || (strings.HasPrefix(s, "/console/") && !strings.ContainsAny(s, "\\\r\n\t") && !strings.Contains(s, "//") && !strings.Contains(s, "..")) {
		if len(s) <= 256 {
			return s
		}
	}
	return ""
}

// returnTarget is where a successful sign-in goes: a pending SSO request,
// a console path, or the tiles.
func returnTarget(pending, next string) string {
	if sso.ValidPendingID(pending) {
		return sso.ContinuePath(pending)
	}
	if n := safeNext(next); n != "" {
		return n
	}
	return "/console"
}

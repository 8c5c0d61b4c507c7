package portal

import (
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/importer"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/mail"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
	"github.com/jumpgate-idp/jumpgate/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// CSP of the portal's pages: its own stylesheet and script, images from
// itself or data: URLs (QR codes), forms to this server only.
const CSP = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// MaxFormBytes bounds a form body; MaxUploadBytes a multipart upload (images,
// metadata, certificates).
const (
	MaxFormBytes   = 64 << 10
	MaxUploadBytes = 2 << 20
)

// Handler serves the admin portal. Reads go to Store; every change goes
// through Service (or the identity-management and import services), so that
// it commits with its change record and its Directory Insights event.
type Handler struct {
	Admins  *adminauth.Service
	Cookies adminauth.Cookies
	Store   directory.Store
	Service *lifecycle.Service
	// Users makes activation links for directory users.
	Users *userauth.Service
	// Insights, IdM, IdMEngine, Importer and Outbox may be nil; their pages
	// then say the feature is unavailable.
	Insights  *insights.Store
	IdM       *provision.Manager
	IdMEngine *provision.Engine
	Importer  *importer.Importer
	Outbox    *mail.Outbox
	BaseURL   string // for Origin checks and the URLs shown to copy
	Logger    *slog.Logger

	pages map[string]*template.Template
}

// Mount registers every page under /admin.
func (h *Handler) Mount(mux *http.ServeMux) {
	h.pages = parsePages()
	static, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(static)
	mux.Handle("GET /admin/static/", http.StripPrefix("/admin/static/", cacheFor(files)))
	mux.HandleFunc("GET /admin", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /admin/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
	})
	h.mountAuth(mux)
	h.mountUsers(mux)
	h.mountGroups(mux)
	h.mountApps(mux)
	h.mountIdM(mux)
	h.mountInsights(mux)
	h.mountOutbox(mux)
}

func cacheFor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

func (h *Handler) log() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// pageFunc serves one page for a signed-in admin. A returned error is shown
// on the message page with its status.
type pageFunc func(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error

// page registers a page. "GET" pages need any admin session. Every other
// method is a form post: it also needs the admin role (read-only admins
// may only look), a valid CSRF token and a same-origin request, and its
// body is bounded (MaxUploadBytes for multipart forms, else MaxFormBytes).
func (h *Handler) page(mux *http.ServeMux, pattern string, fn pageFunc) {
	h.handle(mux, pattern, true, fn)
}

// ownPage is page for an admin's own account and session (TOTP, sign-out):
// read-only admins may post these too.
func (h *Handler) ownPage(mux *http.ServeMux, pattern string, fn pageFunc) {
	h.handle(mux, pattern, false, fn)
}

func (h *Handler) handle(mux *http.ServeMux, pattern string, needWrite bool, fn pageFunc) {
	isGet := strings.HasPrefix(pattern, "GET ")
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if !isGet {
			if !h.parseForm(w, r) {
				return
			}
		}
		sess, err := h.Admins.Authenticate(r.Context(), h.Cookies.Token(r))
		if err != nil {
			if directory.ErrorCode(err) == directory.EUNAUTHORIZED {
				next := ""
				if isGet {
					next = r.URL.RequestURI()
				}
				http.Redirect(w, r, "/admin/login"+nextQuery(next), http.StatusSeeOther)
				return
			}
			h.fail(w, r, nil, err)
			return
		}
		if !isGet {
			if !userauth.SameOrigin(r, h.BaseURL) || !adminauth.CheckCSRF(sess, r.PostForm.Get(userauth.CSRFField)) {
				h.log().WarnContext(r.Context(), "portal form refused", "reason", "csrf or origin", "admin", sess.Email, "path", r.URL.Path)
				h.render(w, r, http.StatusForbidden, "message", &view{Title: "Request refused", Session: sess,
					Error: "This form has expired or did not come from this site. Go back, reload the page and try again."})
				return
			}
			if needWrite && !sess.CanWrite() {
				h.log().WarnContext(r.Context(), "portal change refused", "reason", "read-only admin", "admin", sess.Email, "path", r.URL.Path)
				h.render(w, r, http.StatusForbidden, "message", &view{Title: "Not allowed", Session: sess,
					Error: "Your administrator role may only look, not change anything."})
				return
			}
		}
		if err := fn(w, r, sess); err != nil {
			h.fail(w, r, sess, err)
		}
	})
}

// parseForm reads a form body within its bound; it answers and returns false
// when the body cannot be read.
func (h *Handler) parseForm(w http.ResponseWriter, r *http.Request) bool {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		r.Body = http.MaxBytesReader(w, r.Body, MaxUploadBytes)
		err = r.ParseMultipartForm(MaxUploadBytes)
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
		err = r.ParseForm()
	}
	if err != nil {
		status, msg := http.StatusBadRequest, "The form could not be read."
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			status, msg = http.StatusRequestEntityTooLarge, "The form is too large."
		}
		h.render(w, r, status, "message", &view{Title: "Bad request", Error: msg})
		return false
	}
	return true
}

// nextQuery is "?next=<path>" for a portal path worth returning to.
func nextQuery(next string) string {
	if safeNext(next) == "" {
		return ""
	}
	return "?next=" + template.URLQueryEscaper(next)
}

// safeNext accepts only a relative portal path as a return target.
func safeNext(s string) string {
	if len(s) > 512 || strings.ContainsAny(s, "\\\r\n\t") || strings.Contains(s, "//") || strings.Contains(s, "..") {
		return ""
	}
	if s == "/admin" || strings.HasPrefix(s, "/admin/") {
		if strings.HasPrefix(s, "/admin/login") || strings.HasPrefix(s, "/admin/static/") {
			return ""
		}
		return s
	}
	return ""
}

// view is what every template gets; page-specific data goes in Data.
type view struct {
	Title   string
	Section string // the nav entry to highlight: users, groups, apps, insights, outbox, account
	Error   string // shown at the top of the page
	Notice  string
	// FieldErrors maps a form field's name to why it was refused; templates
	// show each next to its input.
	FieldErrors map[string]string
	Session     *adminauth.Session
	RequestID   string
	// Refresh, when set, reloads the page after that many seconds (progress
	// of a background job).
	Refresh int
	Data    any
}

// CSRF is the session's CSRF token for the page's forms.
func (v *view) CSRF() string {
	if v.Session == nil {
		return ""
	}
	return v.Session.CSRFToken
}

// setError shows err's message on the page and its field errors next to
// their fields. The message of an internal error is not shown.
func (v *view) setError(err error) {
	if directory.ErrorCode(err) == directory.EINTERNAL {
		v.Error = "Something went wrong. Try again; if it keeps failing, give the request ID below to your administrator."
		return
	}
	v.Error = directory.ErrorMessage(err)
	for _, f := range directory.ErrorFields(err) {
		if v.FieldErrors == nil {
			v.FieldErrors = map[string]string{}
		}
		v.FieldErrors[f.Field] = f.Reason
	}
}

// formStatus is the status of a form page shown again with err.
func formStatus(err error) int { return web.Status(directory.ErrorCode(err)) }

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	if status >= 400 || v.Error != "" {
		v.RequestID = web.RequestID(r.Context())
	}
	if v.Notice == "" && status < 400 {
		v.Notice = takeNotice(w, r)
	}
	h.fillPanel(r, v)
	t, ok := h.pages[name]
	if !ok {
		h.log().ErrorContext(r.Context(), "portal: no such template", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	if err := t.ExecuteTemplate(w, name+".html", v); err != nil {
		h.log().ErrorContext(r.Context(), "portal template", "page", name, "err", err)
	}
}

// fail shows err on the message page with its status. Server errors show a
// generic message and are logged with their cause.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, sess *adminauth.Session, err error) {
	code := directory.ErrorCode(err)
	status := web.Status(code)
	v := &view{Title: "Something went wrong", Session: sess}
	if status >= 500 {
		h.log().ErrorContext(r.Context(), "portal page failed", "request_id", web.RequestID(r.Context()), "path", r.URL.Path, "err", err)
	} else {
		h.log().DebugContext(r.Context(), "portal request refused", "path", r.URL.Path, "err", err)
		if status == http.StatusNotFound {
			v.Title = "Not found"
		}
	}
	if status == http.StatusServiceUnavailable {
		v.Title = "Temporarily unavailable"
		w.Header().Set("Retry-After", "5")
	}
	v.setError(err)
	h.render(w, r, status, "message", v)
}

// actor is the signed-in admin as the author of a change.
func actor(s *adminauth.Session) directory.Actor {
	return directory.Actor{Type: directory.ActorAdmin, ID: s.AdminID, Email: s.Email}
}

// flashCookie carries a notice from a form post to the page it redirects to.
const flashCookie = "jumpgate_admin_notice"

// seeOther redirects after a successful form post; the next page rendered
// shows notice once.
func seeOther(w http.ResponseWriter, r *http.Request, path, notice string) {
	if notice != "" {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(notice)),
			Path: "/admin", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// takeNotice returns the notice left by seeOther and clears it.
func takeNotice(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/admin", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) > 500 {
		return ""
	}
	return string(b)
}

// unavailable is the error of a page whose service is not configured.
func unavailable(what string) error {
	return &directory.Error{Code: directory.EUNAVAILABLE, Message: what + " is not available on this server."}
}

// appPanel is the data of the "apppanel" template: the application whose
// panel is shown and the current tab (general, sso, idm, groups).
type appPanel struct {
	App *directory.App
	Tab string
	// IdMActive is filled in by render (fillPanel).
	IdMActive bool
}

// checkedIDs are the values of a form's checkboxes named field; none
// checked is an empty list (bind nothing), not nil.
func checkedIDs(r *http.Request, field string) []string {
	if ids := r.PostForm[field]; ids != nil {
		return ids
	}
	return []string{}
}

// setOf is ids as a set (to show a refused form's checkboxes as they were).
func setOf(ids []string) map[string]bool {
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out
}

package quipsim

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"time"
)

const (
	adminCookie   = "quipsim_admin"
	sessionCookie = "quipsim_session"
	maxFormBytes  = 64 << 10
)

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} · quipsim</title>
<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}code{background:#eee;padding:.2em;word-break:break-all}.err{color:#a00}</style></head>
<body><h1>{{.Title}}</h1>
{{if .Error}}<p class="err" id="error">{{.Error}}</p>{{end}}
{{if .Login}}
<form method="post" action="/business/admin/scim/login">
<p><label>Company <input name="company" value="{{.Company}}" required></label></p>
<p><label>Admin e-mail <input name="email" type="email" required></label></p>
<p><label>Password <input name="password" type="password" required></label></p>
<p><button type="submit">Sign in</button></p>
</form>
<p>Admins of a company with SAML can also sign in with SSO at <code>/c/{company}/</code>.</p>
{{else}}
<p>Company <b id="company">{{.Company}}</b>, signed in as <b>{{.Email}}</b>. {{if .Enterprise}}Enterprise.{{else}}Not on an Enterprise subscription: SCIM tokens are only available to Enterprise companies.{{end}}</p>
{{if .NewToken}}<p>Your new SCIM token (shown once, copy it now):</p><p><code id="token">{{.NewToken}}</code></p>{{end}}
<p>Active tokens: <span id="token-count">{{.TokenCount}}</span>. SCIM base URLs: <code>{{.Base}}/business/admin/scim/2</code> and <code>{{.Base}}/2</code>.</p>
{{if .Enterprise}}
<form method="post" action="/business/admin/scim/tokens"><input type="hidden" name="csrf" value="{{.CSRF}}">
<button name="action" value="issue">Issue a token</button>
<button name="action" value="regenerate">Regenerate (revoke all, issue one)</button>
<button name="action" value="revoke">Revoke all tokens</button></form>
{{end}}
<h2>SAML single sign-on</h2>
<p>SP metadata: <a href="/c/{{.Company}}/saml/metadata">{{.Base}}/c/{{.Company}}/saml/metadata</a>; sign-in page <code>{{.Base}}/c/{{.Company}}/</code>.
IdP: <span id="idp">{{if .IdP}}{{.IdP}}{{else}}not configured{{end}}</span>. Just-in-time provisioning: <span id="jit">{{if .JIT}}on{{else}}off{{end}}</span>.</p>
<form method="post" action="/business/admin/saml" enctype="multipart/form-data"><input type="hidden" name="csrf" value="{{.CSRF}}">
<p><label>IdP metadata XML <textarea name="metadata" rows="4" cols="60"></textarea></label> or file <input type="file" name="metadata_file"></p>
<p>or fields: <label>IdP entity ID <input name="entity_id"></label> <label>SSO URL (HTTP-Redirect) <input name="sso_url"></label>
<label>Signing certificates (PEM, one or more) <textarea name="certs" rows="4" cols="60"></textarea></label></p>
<p><label>JIT <select name="jit"><option value="">unchanged</option><option value="on">on</option><option value="off">off</option></select></label></p>
<p><button>Save SAML settings</button></p></form>
<form method="post" action="/business/admin/scim/logout"><input type="hidden" name="csrf" value="{{.CSRF}}"><button>Sign out</button></form>
{{end}}
</body></html>`))

type tokenPage struct {
	Title, Error, Company, Email, NewToken, CSRF, Base string
	IdP                                                string
	Login, Enterprise, JIT                             bool
	TokenCount                                         int
}

func (s *Server) tokenPageRoutes() {
	s.mux.HandleFunc("GET /business/admin/scim", s.handleTokenPage)
	s.mux.HandleFunc("POST /business/admin/scim/login", s.handleAdminLogin)
	s.mux.HandleFunc("POST /business/admin/scim/tokens", s.handleTokenAction)
	s.mux.HandleFunc("POST /business/admin/scim/logout", s.handleAdminLogout)
}

func (s *Server) render(w http.ResponseWriter, status int, p tokenPage) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	w.WriteHeader(status)
	if err := pageTmpl.Execute(w, p); err != nil {
		s.log.Error("render page", "err", err)
	}
}

// adminFor is the signed-in admin of a request: by admin password session,
// or by a SAML session of a user whose e-mail is an admin of its company.
type adminFor struct {
	company Company
	email   string
	csrf    string
}

func csrfFor(cookie string) string {
	h := sha256.Sum256([]byte("quipsim-csrf|" + cookie))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

func (s *Server) currentAdmin(r *http.Request) (*adminFor, error) {
	ctx := r.Context()
	if c, err := r.Cookie(adminCookie); err == nil && c.Value != "" {
		var companyID, email string
		err := s.db.r.QueryRowContext(ctx, `SELECT company_id, email_lower FROM admin_sessions WHERE hash = ? AND expires > ?`,
			hashToken(c.Value), s.now().UnixNano()).Scan(&companyID, &email)
		if err == nil {
			co, err := s.Company(ctx, companyID)
			if err != nil {
				return nil, err
			}
			return &adminFor{company: co, email: email, csrf: csrfFor(c.Value)}, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		u, err := s.SessionUser(ctx, c.Value)
		if err == nil {
			for _, e := range u.Emails {
				if ok, err := s.isAdminEmail(ctx, u.CompanyID, e.Value); err != nil {
					return nil, err
				} else if ok {
					co, err := s.Company(ctx, u.CompanyID)
					if err != nil {
						return nil, err
					}
					return &adminFor{company: co, email: e.Value, csrf: csrfFor(c.Value)}, nil
				}
			}
		}
	}
	return nil, nil
}

func (s *Server) externalBase(r *http.Request) string { return s.baseURL(r, "") }

func (s *Server) adminPage(ctx context.Context, r *http.Request, a *adminFor, newToken string) (tokenPage, error) {
	n, err := s.TokenCount(ctx, a.company.ID)
	if err != nil {
		return tokenPage{}, err
	}
	co, err := s.Company(ctx, a.company.ID)
	if err != nil {
		return tokenPage{}, err
	}
	idp, err := s.IdP(ctx, co.ID)
	if err != nil && !errors.Is(err, ErrNoIdP) {
		return tokenPage{}, err
	}
	return tokenPage{Title: "Company admin", Company: co.Name, Email: a.email, Enterprise: co.Enterprise, JIT: co.JIT, IdP: idp.EntityID,
		NewToken: newToken, CSRF: a.csrf, TokenCount: n, Base: s.externalBase(r)}, nil
}

func (s *Server) handleTokenPage(w http.ResponseWriter, r *http.Request) {
	a, err := s.currentAdmin(r)
	if err != nil {
		s.log.Error("admin lookup", "err", err)
		s.render(w, http.StatusInternalServerError, tokenPage{Title: "Error", Error: "internal error"})
		return
	}
	if a == nil {
		s.render(w, http.StatusOK, tokenPage{Title: "Company admin sign-in", Login: true, Company: r.URL.Query().Get("company")})
		return
	}
	p, err := s.adminPage(r.Context(), r, a, "")
	if err != nil {
		s.render(w, http.StatusInternalServerError, tokenPage{Title: "Error", Error: "internal error"})
		return
	}
	s.render(w, http.StatusOK, p)
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value, path string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path, HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteLaxMode, MaxAge: int(maxAge / time.Second)})
}

func (s *Server) handleAdminLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.render(w, http.StatusBadRequest, tokenPage{Title: "Company admin sign-in", Login: true, Error: "bad form"})
		return
	}
	ctx := r.Context()
	co, ok, err := s.checkAdmin(ctx, r.PostForm.Get("company"), r.PostForm.Get("email"), r.PostForm.Get("password"))
	if err != nil {
		s.log.Error("admin login", "err", err)
		s.render(w, http.StatusInternalServerError, tokenPage{Title: "Error", Error: "internal error"})
		return
	}
	if !ok {
		s.render(w, http.StatusUnauthorized, tokenPage{Title: "Company admin sign-in", Login: true, Company: r.PostForm.Get("company"),
			Error: "Wrong company, e-mail or password."})
		return
	}
	tok, err := s.randomToken()
	if err == nil {
		_, err = s.db.w.ExecContext(ctx, `INSERT INTO admin_sessions (hash, company_id, email_lower, csrf, expires) VALUES (?, ?, ?, ?, ?)`,
			hashToken(tok), co.ID, normEmail(r.PostForm.Get("email")), csrfFor(tok), s.now().Add(s.cfg.SessionTTL).UnixNano())
	}
	if err != nil {
		s.log.Error("admin session", "err", err)
		s.render(w, http.StatusInternalServerError, tokenPage{Title: "Error", Error: "internal error"})
		return
	}
	s.setCookie(w, r, adminCookie, tok, "/business/admin", s.cfg.SessionTTL)
	http.Redirect(w, r, "/business/admin/scim", http.StatusSeeOther)
}

func (s *Server) checkCSRF(w http.ResponseWriter, r *http.Request) (*adminFor, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.render(w, http.StatusBadRequest, tokenPage{Title: "Error", Error: "bad form"})
		return nil, false
	}
	a, err := s.currentAdmin(r)
	if err != nil {
		s.render(w, http.StatusInternalServerError, tokenPage{Title: "Error", Error: "internal error"})
		return nil, false
	}
	if a == nil {
		s.render(w, http.StatusUnauthorized, tokenPage{Title: "Company admin sign-in", Login: true, Error: "Please sign in."})
		return nil, false
	}
	if !constantEqual(r.PostForm.Get("csrf"), a.csrf) {
		s.render(w, http.StatusForbidden, tokenPage{Title: "Error", Error: "The form has expired; reload the page."})
		return nil, false
	}
	return a, true
}

func (s *Server) handleTokenAction(w http.ResponseWriter, r *http.Request) {
	a, ok := s.checkCSRF(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	var tok string
	var err error
	switch r.PostForm.Get("action") {
	case "issue":
		tok, err = s.IssueToken(ctx, a.company.ID)
	case "regenerate":
		tok, err = s.RegenerateToken(ctx, a.company.ID)
	case "revoke":
		err = s.RevokeTokens(ctx, a.company.ID)
	default:
		s.render(w, http.StatusBadRequest, tokenPage{Title: "Error", Error: "unknown action"})
		return
	}
	status := http.StatusOK
	msg := ""
	if errors.Is(err, ErrNotEnterprise) {
		status, msg = http.StatusForbidden, "SCIM tokens are only available to Enterprise companies."
	} else if err != nil {
		s.log.Error("token action", "err", err)
		s.render(w, http.StatusInternalServerError, tokenPage{Title: "Error", Error: "internal error"})
		return
	}
	p, err := s.adminPage(ctx, r, a, tok)
	if err != nil {
		s.render(w, http.StatusInternalServerError, tokenPage{Title: "Error", Error: "internal error"})
		return
	}
	p.Error = msg
	s.render(w, status, p)
}

func (s *Server) handleAdminLogout(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.checkCSRF(w, r); !ok {
		return
	}
	if c, err := r.Cookie(adminCookie); err == nil {
		_, _ = s.db.w.ExecContext(r.Context(), `DELETE FROM admin_sessions WHERE hash = ?`, hashToken(c.Value))
	}
	s.setCookie(w, r, adminCookie, "", "/business/admin", -time.Second)
	http.Redirect(w, r, "/business/admin/scim", http.StatusSeeOther)
}

package quipsim

import (
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/quipsim/samlsp"
	"github.com/jumpgate-idp/jumpgate/internal/scim"
)

var homeTmpl = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Company}} · quipsim</title></head>
<body><h1>{{.Company}}</h1>
{{if .Message}}<p id="message">{{.Message}}</p>{{end}}
{{if .User}}<p id="who">Signed in as <b id="name">{{.User.DisplayName}}</b> &lt;<span id="email">{{.Email}}</span>&gt; (userName <span id="username">{{.User.UserName}}</span>).</p>
<form method="post" action="/c/{{.Company}}/logout"><button>Sign out</button></form>
{{else if .SAML}}<p><a id="sso" href="/c/{{.Company}}/saml/login">Sign in with SSO</a></p>
{{else}}<p>SAML single sign-on is not configured for this company.</p>{{end}}
</body></html>`))

type homePage struct {
	Company, Message, Email string
	User                    *User
	SAML                    bool
}

func (s *Server) samlRoutes() {
	s.mux.HandleFunc("GET /c/{company}/{$}", s.handleHome)
	s.mux.HandleFunc("GET /c/{company}/saml/metadata", s.handleSPMetadata)
	s.mux.HandleFunc("GET /c/{company}/saml/login", s.handleSAMLLogin)
	s.mux.HandleFunc("POST /c/{company}/saml/acs", s.handleACS)
	s.mux.HandleFunc("POST /c/{company}/logout", s.handleLogout)
	s.mux.HandleFunc("POST /business/admin/saml", s.handleSAMLConfig)
}

func (s *Server) renderHome(w http.ResponseWriter, status int, p homePage) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_ = homeTmpl.Execute(w, p)
}

// companySP builds the SAML SP of the company named in the path. URLs:
// entity ID {base}/c/{company}/saml/metadata, ACS {base}/c/{company}/saml/acs.
func (s *Server) companySP(r *http.Request) (Company, *samlsp.SP, error) {
	ctx := r.Context()
	co, err := s.Company(ctx, r.PathValue("company"))
	if err != nil {
		return co, nil, err
	}
	idp, err := s.IdP(ctx, co.ID)
	if err != nil {
		return co, nil, err
	}
	base := s.externalBase(r) + "/c/" + co.Name
	store := samlRequests{s: s, companyID: co.ID}
	sp, err := samlsp.New(samlsp.Config{
		EntityID: base + "/saml/metadata", ACSURL: base + "/saml/acs", IdP: idp, AllowIdPInitiated: true,
		Now: s.cfg.Now, Rand: s.cfg.Rand, Requests: store, Replay: store,
	})
	return co, sp, err
}

func (s *Server) samlError(w http.ResponseWriter, r *http.Request, co Company, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		http.NotFound(w, r)
	case errors.Is(err, ErrNoIdP):
		s.renderHome(w, http.StatusNotFound, homePage{Company: co.Name, Message: "SAML single sign-on is not configured for this company."})
	default:
		s.log.ErrorContext(r.Context(), "saml", "err", err)
		s.renderHome(w, http.StatusInternalServerError, homePage{Company: co.Name, Message: "Internal error."})
	}
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	co, err := s.Company(ctx, r.PathValue("company"))
	if err != nil {
		s.samlError(w, r, co, err)
		return
	}
	p := homePage{Company: co.Name}
	if c, err := r.Cookie(sessionCookie); err == nil {
		if u, err := s.SessionUser(ctx, c.Value); err == nil && u.CompanyID == co.ID {
			p.User, p.Email = &u, primaryEmail(u.Emails)
		}
	}
	if _, err := s.IdP(ctx, co.ID); err == nil {
		p.SAML = true
	}
	s.renderHome(w, http.StatusOK, p)
}

func (s *Server) handleSPMetadata(w http.ResponseWriter, r *http.Request) {
	co, sp, err := s.companySP(r)
	if err != nil {
		s.samlError(w, r, co, err)
		return
	}
	md, err := sp.Metadata()
	if err != nil {
		s.samlError(w, r, co, err)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Header().Set("Content-Disposition", `attachment; filename="quipsim-`+co.Name+`-sp-metadata.xml"`)
	_, _ = w.Write(md)
}

// handleSAMLLogin starts an SP-initiated login (HTTP-Redirect AuthnRequest).
func (s *Server) handleSAMLLogin(w http.ResponseWriter, r *http.Request) {
	co, sp, err := s.companySP(r)
	if err != nil {
		s.samlError(w, r, co, err)
		return
	}
	u, err := sp.LoginURL(r.Context(), "/c/"+co.Name+"/")
	if err != nil {
		s.samlError(w, r, co, err)
		return
	}
	http.Redirect(w, r, u, http.StatusFound)
}

// handleACS accepts a SAML Response (SP- or IdP-initiated), matches the
// user by e-mail, creates it just in time when the company allows it and
// starts a server-side session.
func (s *Server) handleACS(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	co, sp, err := s.companySP(r)
	if err != nil {
		s.samlError(w, r, co, err)
		return
	}
	login, err := sp.HandleACS(r)
	var re *samlsp.ResponseError
	if errors.As(err, &re) {
		s.log.WarnContext(ctx, "SAML response rejected", "company", co.Name, "detail", re.Detail())
		s.renderHome(w, http.StatusForbidden, homePage{Company: co.Name, Message: "SAML response rejected."})
		return
	}
	if err != nil {
		s.samlError(w, r, co, err)
		return
	}
	if login.Email == "" {
		s.renderHome(w, http.StatusForbidden, homePage{Company: co.Name, Message: "The SAML assertion carries no e-mail address."})
		return
	}
	u, err := s.userForLogin(r, co, login)
	if err != nil {
		var se *scim.Error
		if errors.As(err, &se) && se.Status < 500 {
			s.renderHome(w, http.StatusForbidden, homePage{Company: co.Name, Message: se.Detail})
			return
		}
		s.samlError(w, r, co, err)
		return
	}
	if !u.Active {
		s.renderHome(w, http.StatusForbidden, homePage{Company: co.Name, Message: "This account is deactivated."})
		return
	}
	tok, err := s.StartSession(ctx, co.ID, u.ID)
	if err != nil {
		s.samlError(w, r, co, err)
		return
	}
	s.setCookie(w, r, sessionCookie, tok, "/", s.cfg.SessionTTL)
	next := "/c/" + co.Name + "/"
	if rs := login.RelayState; strings.HasPrefix(rs, next) && !strings.ContainsAny(rs, "\\\r\n") && !strings.Contains(rs, "//") {
		next = rs
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) userForLogin(r *http.Request, co Company, login *samlsp.Login) (User, error) {
	ctx := r.Context()
	find := func() (User, bool, error) {
		us, _, err := s.findUsers(ctx, co.ID, "emails.value", login.Email)
		if err != nil || len(us) == 0 {
			return User{}, false, err
		}
		return us[0], true, nil
	}
	u, ok, err := find()
	if err != nil || ok {
		return u, err
	}
	if !co.JIT {
		return User{}, scim.Errorf(http.StatusForbidden, "", "No account for %s in %s, and just-in-time provisioning is off.", login.Email, co.Name)
	}
	in, err := inputFromSCIM(&scim.User{
		Name:        &scim.Name{GivenName: login.FirstName, FamilyName: login.LastName},
		DisplayName: login.DisplayName,
		Emails:      []scim.Email{{Value: login.Email, Primary: true}},
	})
	if err != nil {
		return User{}, err
	}
	u, err = s.createUser(ctx, co.ID, in)
	var se *scim.Error
	if errors.As(err, &se) && se.Status == http.StatusConflict {
		// created meanwhile by SCIM or a parallel login
		if u, ok, err = find(); ok || err != nil {
			return u, err
		}
	}
	return u, err
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		_ = s.EndSession(r.Context(), c.Value)
	}
	s.setCookie(w, r, sessionCookie, "", "/", -time.Second)
	http.Redirect(w, r, "/c/"+r.PathValue("company")+"/", http.StatusSeeOther)
}

// handleSAMLConfig lets a company admin set the IdP (metadata XML, or
// entity ID + SSO URL + PEM certificates) and switch JIT.
func (s *Server) handleSAMLConfig(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		r.Body = http.MaxBytesReader(w, r.Body, 2<<20)
		if err := r.ParseMultipartForm(2 << 20); err != nil {
			s.render(w, http.StatusBadRequest, tokenPage{Title: "Error", Error: "bad form"})
			return
		}
	}
	a, ok := s.checkCSRF(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	md := strings.TrimSpace(r.FormValue("metadata"))
	if r.MultipartForm != nil && md == "" {
		if f, _, err := r.FormFile("metadata_file"); err == nil {
			var b strings.Builder
			buf := make([]byte, 32<<10)
			for {
				n, err := f.Read(buf)
				b.Write(buf[:n])
				if err != nil || b.Len() > 1<<20 {
					break
				}
			}
			f.Close()
			md = b.String()
		}
	}
	var err error
	switch {
	case md != "":
		err = s.SetIdPMetadata(ctx, a.company.ID, []byte(md))
	case r.FormValue("entity_id") != "":
		err = s.SetIdP(ctx, a.company.ID, r.FormValue("entity_id"), r.FormValue("sso_url"), []byte(r.FormValue("certs")))
	}
	if err == nil && r.FormValue("jit") != "" {
		err = s.SetJIT(ctx, a.company.ID, r.FormValue("jit") == "on")
	}
	p, perr := s.adminPage(ctx, r, a, "")
	if perr != nil {
		s.render(w, http.StatusInternalServerError, tokenPage{Title: "Error", Error: "internal error"})
		return
	}
	status := http.StatusOK
	if err != nil {
		status, p.Error = http.StatusBadRequest, err.Error()
	}
	s.render(w, status, p)
}

package portal_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/connector/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/mail"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore/sqltest"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
	"github.com/jumpgate-idp/jumpgate/internal/web"
	"github.com/jumpgate-idp/jumpgate/internal/web/portal"
)

var ctx = context.Background()

// adminPassword is every test admin's password.
const adminPassword = "correct horse battery staple"

// fastHasher keeps argon2id cheap in tests.
var fastHasher = auth.Hasher{Params: auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}

// env is a portal on a real SQLite database behind an httptest server,
// with the services a production server wires.
type env struct {
	t        *testing.T
	URL      string
	Store    *sqlstore.Store
	Service  *lifecycle.Service
	Admins   *adminauth.Service
	Users    *userauth.Service
	Insights *insights.Store
	IdM      *provision.Manager
	Engine   *provision.Engine
	Outbox   *mail.Outbox
	Handler  *portal.Handler
	Sealer   *secrets.Sealer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := sqlstore.Open(ctx, sqltest.SQLiteDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, err := secrets.New(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := &env{t: t, Store: st, Sealer: sealer}
	e.Insights = &insights.Store{DB: st, CursorKey: bytes.Repeat([]byte{9}, 32)}
	e.Service = &lifecycle.Service{Store: st, Sealer: sealer, Hasher: fastHasher}
	e.Service.Effects = append(e.Service.Effects, e.Insights.Effect)
	var sink provision.EventSink = provision.SlogSink{Log: logger}
	e.IdM = &provision.Manager{Store: st, Sealer: sealer, Registry: catalog.DefaultRegistry(), Events: sink}
	e.Engine = &provision.Engine{Store: st, Manager: e.IdM, Events: sink}
	mk := &provision.Marker{}
	e.Service.Effects = append(e.Service.Effects, mk.Effect)
	e.Users = &userauth.Service{Store: st, Sealer: sealer, Hasher: fastHasher, Logger: logger}
	e.Admins = &adminauth.Service{Store: st, Sealer: sealer, Hasher: fastHasher, Logger: logger,
		Auditor: insights.AuthRecorder{Store: e.Insights, Logger: logger}}
	e.Outbox = &mail.Outbox{Store: st}
	e.Handler = &portal.Handler{Admins: e.Admins, Store: st, Service: e.Service, Users: e.Users, Insights: e.Insights,
		IdM: e.IdM, IdMEngine: e.Engine, Outbox: e.Outbox, Logger: logger}
	srv := web.NewServer(web.Options{Logger: logger})
	srv.Mount(e.Handler)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	e.URL, e.Handler.BaseURL, e.Service.BaseURL = hs.URL, hs.URL, hs.URL
	return e
}

// admin creates an administrator with adminPassword.
func (e *env) admin(email string, role directory.AdminRole) *directory.Admin {
	e.t.Helper()
	a, err := e.Service.CreateAdmin(ctx, lifecycle.NewAdmin{Email: email, Name: "Test Admin", Password: adminPassword, Role: role})
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// signedIn returns a browser signed in as a new admin of the role.
func (e *env) signedIn(role directory.AdminRole) *browser {
	e.t.Helper()
	email := "admin-" + strings.ToLower(string(role)) + "@example.com"
	e.admin(email, role)
	b := e.browser()
	p := b.postForm("/admin/login", url.Values{"email": {email}, "password": {adminPassword}, "next": {"/admin/account"}})
	if p.Status != http.StatusOK || !strings.HasPrefix(p.URL.Path, "/admin/") || strings.HasPrefix(p.URL.Path, "/admin/login") {
		e.t.Fatalf("sign-in as %s: %d at %s: %s", email, p.Status, p.URL, p.Body)
	}
	return b
}

// browser is an HTTP client with a cookie jar that remembers the last CSRF
// token it saw.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, base: e.URL, c: &http.Client{Jar: jar}}
}

// page is a fetched page, after redirects.
type page struct {
	Status int
	URL    *url.URL
	Body   string
	Header http.Header
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	p := page{Status: res.StatusCode, URL: res.Request.URL, Body: string(body), Header: res.Header}
	if m := csrfRE.FindStringSubmatch(p.Body); m != nil {
		b.csrf = html.UnescapeString(m[1])
	}
	return p
}

// get fetches path (relative to the server).
func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

// postForm posts form as-is (no CSRF token added).
func (b *browser) postForm(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// post posts form with the last CSRF token seen (fetch a page first).
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if b.csrf == "" {
		b.get("/admin/account")
	}
	form.Set("csrf_token", b.csrf)
	return b.postForm(path, form)
}

// upload posts a multipart form with files (field name → file content) and
// the CSRF token.
func (b *browser) upload(path string, fields url.Values, files map[string][]byte) page {
	b.t.Helper()
	if b.csrf == "" {
		b.get("/admin/account")
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf_token", b.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for name, data := range files {
		fw, _ := mw.CreateFormFile(name, name+".bin")
		_, _ = fw.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// wantStatus fails the test unless p has the status.
func (p page) wantStatus(t *testing.T, status int) page {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s: status %d, want %d; body:\n%s", p.URL, p.Status, status, p.Body)
	}
	return p
}

// wantText fails the test unless the page's text contains every s.
func (p page) wantText(t *testing.T, ss ...string) page {
	t.Helper()
	for _, s := range ss {
		if !strings.Contains(html.UnescapeString(p.Body), s) {
			t.Fatalf("%s: page lacks %q; body:\n%s", p.URL, s, p.Body)
		}
	}
	return p
}

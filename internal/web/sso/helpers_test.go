package sso_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crewjam/saml"
	"github.com/google/uuid"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
	"github.com/jumpgate-idp/jumpgate/internal/web"
	"github.com/jumpgate-idp/jumpgate/internal/web/console"
	"github.com/jumpgate-idp/jumpgate/internal/web/sso"
)

var ctx = context.Background()

const pw = "correct horse battery"

// events records SSO decisions.
type events struct {
	mu  sync.Mutex
	all []sso.SSOEvent
}

func (e *events) Record(_ context.Context, ev sso.SSOEvent) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
}

func (e *events) last(t *testing.T) sso.SSOEvent {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.all) == 0 {
		t.Fatal("no SSO event recorded")
	}
	return e.all[len(e.all)-1]
}

func (e *events) issued() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.all {
		if ev.Decision == sso.DecisionIssued {
			n++
		}
	}
	return n
}

type env struct {
	store   *sqlstore.Store
	users   *userauth.Service
	cat     sso.Catalogue
	apps    *lifecycle.Service
	appID   string
	events  *events
	jg      *httptest.Server
	quip    *quipsim.Server
	quipHS  *httptest.Server
	company quipsim.Company
	group   string
	spKey   *samlidp.KeyPair // the SP's signing key (for signed-request tests)
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvDSN(t, "sqlite:"+filepath.Join(t.TempDir(), "j.db"))
}

func newEnvDSN(t testing.TB, dsn string) *env {
	t.Helper()
	st, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, _ := secrets.New(bytes.Repeat([]byte{3}, secrets.KeySize))
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	users := &userauth.Service{Store: st, Sealer: sealer, Logger: logger,
		Hasher: auth.Hasher{Params: auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}}
	e := &env{store: st, users: users, events: &events{}}
	e.apps = &lifecycle.Service{Store: st, Sealer: sealer}
	e.cat = sso.Catalogue{Service: e.apps}

	// quipsim, the service provider.
	q, err := quipsim.New(ctx, quipsim.Config{DB: ":memory:", RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	e.quip = q
	e.quipHS = httptest.NewServer(q)
	t.Cleanup(e.quipHS.Close)
	if e.company, err = q.CreateCompany(ctx, "acme", true, []string{"example.com"}); err != nil {
		t.Fatal(err)
	}

	// Jumpgate.
	srv := web.NewServer(web.Options{Logger: logger})
	sh := &sso.Handler{Apps: e.cat, Users: users, Store: st, IdP: &samlidp.IdP{}, Recorder: e.events,
		PersistentSecret: []byte("install-secret"), Logger: logger}
	ch := &console.Handler{Users: users, Apps: e.cat, Logger: logger}
	srv.Mount(sh, ch)
	e.jg = httptest.NewServer(srv.Handler())
	t.Cleanup(e.jg.Close)
	sh.BaseURL, ch.BaseURL = e.jg.URL, e.jg.URL

	// The Quip app from the catalog, bound to one group.
	e.apps.BaseURL = e.jg.URL
	a, err := e.apps.CreateApp(ctx, directory.SystemActor, lifecycle.NewApp{TemplateID: "quip", Label: "Quip", IdPURL: e.jg.URL + "/saml2/quip"})
	if err != nil {
		t.Fatal(err)
	}
	e.appID = a.ID
	spBase := e.quipHS.URL + "/c/acme"
	e.updateSSO(t, func(s *directory.AppSSO) {
		s.SPEntityID, s.ACSURLs, s.GroupsAttribute, s.DefaultRelayState = spBase+"/saml/metadata", []string{spBase + "/saml/acs"}, "memberOf", "/c/acme/"
		s.Attributes = append(s.Attributes,
			directory.AttributeStatement{Name: "department", Source: directory.AttributeSource{Constant: "Engineering"}, Enabled: true},
			directory.AttributeStatement{Name: "employeeNumber", Source: directory.AttributeSource{Attribute: "employeeIdentifier"}, Enabled: false})
	})
	md, err := e.cat.Metadata(ctx, "quip")
	if err != nil {
		t.Fatal(err)
	}
	if err := q.SetIdPMetadata(ctx, e.company.ID, md); err != nil {
		t.Fatal(err)
	}

	// Users and the bound group.
	e.group = uuid.NewString()
	now := time.Now()
	if err := st.Update(ctx, func(tx directory.Tx) error {
		return tx.CreateGroup(ctx, &directory.Group{ID: e.group, Name: "Quip users", CreatedAt: now, UpdatedAt: now})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.apps.BindGroups(ctx, directory.SystemActor, e.appID, []string{e.group}); err != nil {
		t.Fatal(err)
	}
	return e
}

// updateSSO changes the Quip app's SSO settings through the use case.
func (e *env) updateSSO(t testing.TB, fn func(s *directory.AppSSO)) {
	t.Helper()
	var cur *directory.AppSSO
	if err := e.store.View(ctx, func(tx directory.Tx) error {
		var err error
		cur, err = tx.GetAppSSO(ctx, e.appID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	fn(cur)
	if _, err := e.apps.PutAppSSO(ctx, directory.SystemActor, e.appID, *cur); err != nil {
		t.Fatal(err)
	}
}

// user creates an activated user with a password, in the bound group when member.
func (e *env) user(t testing.TB, name string, member bool) *directory.User {
	t.Helper()
	now := time.Now()
	u := &directory.User{ID: uuid.NewString(), Username: name, Email: name + "@example.com", FirstName: strings.ToUpper(name[:1]) + name[1:],
		LastName: "Tester", EmployeeID: "E-" + name, State: directory.UserActivated, CreatedAt: now, UpdatedAt: now}
	if err := e.store.Update(ctx, func(tx directory.Tx) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if member {
			_, err := tx.AddMembers(ctx, e.group, []string{u.ID})
			return err
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.users.SetPassword(ctx, u.ID, pw); err != nil {
		t.Fatal(err)
	}
	return u
}

func (e *env) setState(t *testing.T, id string, s directory.UserState) {
	t.Helper()
	if err := e.store.Update(ctx, func(tx directory.Tx) error {
		u, err := tx.GetUser(ctx, id)
		if err != nil {
			return err
		}
		u.State = s
		return tx.UpdateUser(ctx, u)
	}); err != nil {
		t.Fatal(err)
	}
}

type browser struct {
	t testing.TB
	c *http.Client
}

func newBrowser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

type page struct {
	status int
	url    *url.URL
	body   string
	header http.Header
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, url: res.Request.URL, body: string(body), header: res.Header}
}

func (b *browser) get(u string) page {
	req, _ := http.NewRequest("GET", u, nil)
	return b.do(req)
}

func (b *browser) post(u string, form url.Values) page {
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var (
	inputRE  = regexp.MustCompile(`<input type="hidden" name="([A-Za-z_]+)" value="([^"]*)">`)
	actionRE = regexp.MustCompile(`<form id="saml-post" method="post" action="([^"]*)">`)
)

// hidden returns the hidden inputs of a page.
func hidden(body string) url.Values {
	v := url.Values{}
	for _, m := range inputRE.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// autoPost parses the IdP's auto-post page: the ACS and the form.
func autoPost(t testing.TB, p page) (string, url.Values) {
	t.Helper()
	m := actionRE.FindStringSubmatch(p.body)
	if p.status != 200 || m == nil {
		t.Fatalf("no SAML post form at %s: %d %s", p.url, p.status, p.body)
	}
	csp := p.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'nonce-") || !strings.Contains(p.body, `<script nonce="`) {
		t.Fatalf("auto-post page without CSP nonce: %q", csp)
	}
	return html.UnescapeString(m[1]), hidden(p.body)
}

// signIn fills the login page p (which must be the sign-in form).
func (b *browser) signIn(p page, login string) page {
	b.t.Helper()
	if p.status != 200 || p.url.Path != "/console/login" {
		b.t.Fatalf("expected the sign-in page, got %d %s", p.status, p.url)
	}
	f := hidden(p.body)
	f.Set("login", login)
	f.Set("password", pw)
	return b.post(p.url.Scheme+"://"+p.url.Host+"/console/login", f)
}

// verify checks a Response with crewjam/saml's SP code and returns the assertion.
func (e *env) verify(t *testing.T, samlResponse string, requestIDs []string) *saml.Assertion {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(samlResponse)
	if err != nil {
		t.Fatal(err)
	}
	app, _ := e.cat.SSOApp(ctx, "quip")
	md, _ := samlidp.Metadata(app.Config)
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil {
		t.Fatal(err)
	}
	acs, _ := url.Parse(app.Config.ACSURLs[0])
	sp := saml.ServiceProvider{EntityID: app.Config.SPEntityID, AcsURL: *acs, IDPMetadata: &ed, AllowIDPInitiated: len(requestIDs) == 0}
	a, err := sp.ParseXMLResponse(raw, requestIDs, *acs)
	if err != nil {
		if ie, ok := err.(*saml.InvalidResponseError); ok {
			t.Fatalf("crewjam refuses the response: %v", ie.PrivateErr)
		}
		t.Fatalf("crewjam refuses the response: %v", err)
	}
	return a
}

func attrs(a *saml.Assertion) map[string][]string {
	out := map[string][]string{}
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			for _, v := range at.Values {
				out[at.Name] = append(out[at.Name], v.Value)
			}
		}
	}
	return out
}

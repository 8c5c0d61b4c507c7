package sso_test

import (
	"bytes"
	"context"
	"crypto/rand"
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
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crewjam/saml"
	"github.com/google/uuid"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
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

// catalogue implements sso.Apps and console.Apps for the tests over the
// real store: apps and their settings are held here (the application
// catalogue is its own package), membership and user state come from the
// database.
type catalogue struct {
	mu    sync.Mutex
	store *sqlstore.Store
	apps  map[string]*sso.App // by slug
	bound map[string]string   // app id -> group id
}

func (c *catalogue) SSOApp(_ context.Context, slug string) (*sso.App, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.apps[slug]
	if !ok {
		return nil, directory.NotFound("app", slug)
	}
	cp := *a
	return &cp, nil
}

func (c *catalogue) UserMayUseApp(ctx context.Context, userID, appID string) (bool, error) {
	c.mu.Lock()
	g := c.bound[appID]
	c.mu.Unlock()
	may := false
	err := c.store.View(ctx, func(tx directory.Tx) error {
		u, err := tx.GetUser(ctx, userID)
		if err != nil {
			return err
		}
		ids, err := tx.GroupIDsOfUser(ctx, userID)
		may = err == nil && u.Active() && g != "" && slices.Contains(ids, g)
		return err
	})
	return may, err
}

func (c *catalogue) Metadata(ctx context.Context, slug string) ([]byte, error) {
	a, err := c.SSOApp(ctx, slug)
	if err != nil {
		return nil, err
	}
	return samlidp.Metadata(a.Config)
}

func (c *catalogue) PortalApps(ctx context.Context, userID string) ([]directory.App, error) {
	c.mu.Lock()
	var all []*sso.App
	for _, a := range c.apps {
		all = append(all, a)
	}
	c.mu.Unlock()
	var out []directory.App
	for _, a := range all {
		if may, err := c.UserMayUseApp(ctx, userID, a.App.ID); err != nil {
			return nil, err
		} else if may && a.App.ShowInPortal {
			out = append(out, a.App)
		}
	}
	slices.SortFunc(out, func(a, b directory.App) int { return strings.Compare(a.Label, b.Label) })
	return out, nil
}

func (c *catalogue) AppImage(context.Context, string) (*directory.AppImage, error) {
	return nil, directory.NotFound("image", "")
}

func (c *catalogue) update(slug string, fn func(a *sso.App)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fn(c.apps[slug])
}

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
	cat     *catalogue
	events  *events
	jg      *httptest.Server
	quip    *quipsim.Server
	quipHS  *httptest.Server
	company quipsim.Company
	group   string
	spKey   *samlidp.KeyPair // the SP's signing key (for signed-request tests)
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "j.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, _ := secrets.New(bytes.Repeat([]byte{3}, secrets.KeySize))
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	users := &userauth.Service{Store: st, Sealer: sealer, Logger: logger,
		Hasher: auth.Hasher{Params: auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}}
	e := &env{store: st, users: users, events: &events{}}
	e.cat = &catalogue{store: st, apps: map[string]*sso.App{}, bound: map[string]string{}}

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

	// The Quip app, bound to one group.
	key, err := samlidp.GenerateKey(samlidp.RSA2048, "jumpgate quip", 365*24*time.Hour, time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	spBase := e.quipHS.URL + "/c/acme"
	app := &sso.App{
		App: directory.App{ID: uuid.NewString(), Slug: "quip", Label: "Quip", ShowInPortal: true, SSOActive: true, IdPURL: e.jg.URL + "/saml2/quip"},
		SSO: directory.AppSSO{IdPEntityID: e.jg.URL + "/saml2/quip", SPEntityID: spBase + "/saml/metadata", ACSURLs: []string{spBase + "/saml/acs"},
			NameIDAttribute: "email", NameIDFormat: directory.NameIDEmailAddress, GroupsAttribute: "memberOf",
			Attributes: []directory.AttributeStatement{
				{Name: "email", Source: directory.AttributeSource{Attribute: "email"}, Enabled: true},
				{Name: "firstname", Source: directory.AttributeSource{Attribute: "firstname"}, Enabled: true},
				{Name: "lastname", Source: directory.AttributeSource{Attribute: "lastname"}, Enabled: true},
				{Name: "department", Source: directory.AttributeSource{Constant: "Engineering"}, Enabled: true},
				{Name: "employeeNumber", Source: directory.AttributeSource{Attribute: "employeeIdentifier"}, Enabled: false},
			}},
	}
	app.Config = samlidp.AppConfig{IdPEntityID: app.SSO.IdPEntityID, IdPSSOURL: e.jg.URL + "/saml2/quip", SPEntityID: app.SSO.SPEntityID,
		ACSURLs: app.SSO.ACSURLs, NameIDAttribute: "email", DefaultRelayState: "/c/acme/", Key: key}
	e.cat.apps["quip"] = app
	md, err := samlidp.Metadata(app.Config)
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
	e.cat.bound[app.App.ID] = e.group
	return e
}

// user creates an activated user with a password, in the bound group when member.
func (e *env) user(t *testing.T, name string, member bool) *directory.User {
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
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
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
func autoPost(t *testing.T, p page) (string, url.Values) {
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

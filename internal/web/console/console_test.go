package console_test

import (
	"bytes"
	"context"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp/totp"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
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

type env struct {
	store *sqlstore.Store
	users *userauth.Service
	apps  *lifecycle.Service
	hs    *httptest.Server
	group string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "j.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, _ := secrets.New(bytes.Repeat([]byte{5}, secrets.KeySize))
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := &env{store: st,
		users: &userauth.Service{Store: st, Sealer: sealer, Logger: logger, MaxPerAccount: 3,
			Hasher: auth.Hasher{Params: auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}},
		apps: &lifecycle.Service{Store: st, Sealer: sealer}}
	cat := sso.Catalogue{Service: e.apps}
	srv := web.NewServer(web.Options{Logger: logger})
	ch := &console.Handler{Users: e.users, Apps: cat, Logger: logger}
	srv.Mount(ch, &sso.Handler{Apps: cat, Users: e.users, Store: st, IdP: &samlidp.IdP{}, Logger: logger})
	e.hs = httptest.NewServer(srv.Handler())
	t.Cleanup(e.hs.Close)
	ch.BaseURL, e.apps.BaseURL = e.hs.URL, e.hs.URL
	e.group = uuid.NewString()
	now := time.Now()
	if err := st.Update(ctx, func(tx directory.Tx) error {
		return tx.CreateGroup(ctx, &directory.Group{ID: e.group, Name: "Staff", CreatedAt: now, UpdatedAt: now})
	}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) user(t *testing.T, name string, withPassword bool) *directory.User {
	t.Helper()
	now := time.Now()
	u := &directory.User{ID: uuid.NewString(), Username: name, Email: name + "@example.com", State: directory.UserActivated, CreatedAt: now, UpdatedAt: now}
	if err := e.store.Update(ctx, func(tx directory.Tx) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		_, err := tx.AddMembers(ctx, e.group, []string{u.ID})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if withPassword {
		if err := e.users.SetPassword(ctx, u.ID, pw); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

type browser struct {
	t *testing.T
	c *http.Client
}

type page struct {
	status int
	url    *url.URL
	body   string
	header http.Header
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar}}
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return page{res.StatusCode, res.Request.URL, string(body), res.Header}
}

func (b *browser) get(u string) page {
	req, _ := http.NewRequest("GET", u, nil)
	return b.do(req)
}

func (b *browser) post(u string, form url.Values, hdr ...string) page {
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return b.do(req)
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

func hidden(body string) url.Values {
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

var (
	inputIDRE = regexp.MustCompile(`<input type="(?:text|password)" id="([a-z]+)"`)
	scriptRE  = regexp.MustCompile(`(?i)<script|\son[a-z]+=`)
)

// checkPage asserts the console's page rules: strict CSP, no script, a
// label for every visible input.
func checkPage(t *testing.T, p page) {
	t.Helper()
	csp := p.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
		t.Fatalf("%s: CSP %q", p.url, csp)
	}
	if scriptRE.MatchString(p.body) {
		t.Fatalf("%s: script in page", p.url)
	}
	for _, m := range inputIDRE.FindAllStringSubmatch(p.body, -1) {
		if !strings.Contains(p.body, `<label for="`+m[1]+`">`) {
			t.Fatalf("%s: input %s has no label", p.url, m[1])
		}
	}
}

func (b *browser) signIn(e *env, login string) page {
	b.t.Helper()
	p := b.get(e.hs.URL + "/console")
	checkPage(b.t, p)
	f := hidden(p.body)
	f.Set("login", login)
	f.Set("password", pw)
	return b.post(e.hs.URL+"/console/login", f)
}

func TestActivationPage(t *testing.T) {
	e := newEnv(t)
	u := e.user(t, "ann", false)
	link, err := e.users.CreateActivationLink(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	p := b.get(e.hs.URL + "/activate?token=" + link.Token)
	checkPage(t, p)
	if p.status != 200 || !strings.Contains(p.body, "ann@example.com") {
		t.Fatalf("activation form: %d %s", p.status, p.body)
	}
	form := url.Values{"token": {link.Token}, "password": {pw}, "confirm": {pw + "x"}}
	if p := b.post(e.hs.URL+"/activate", form); p.status != 400 || !strings.Contains(p.body, "not the same") {
		t.Fatalf("mismatch: %d", p.status)
	}
	form.Set("password", "short")
	form.Set("confirm", "short")
	if p := b.post(e.hs.URL+"/activate", form); p.status != 400 || !strings.Contains(p.body, "at least 12") {
		t.Fatalf("short: %d %s", p.status, p.body)
	}
	form.Set("password", pw)
	form.Set("confirm", pw)
	if p := b.post(e.hs.URL+"/activate", form, "Origin", "https://evil.example"); p.status != 403 {
		t.Fatalf("cross-site activation: %d", p.status)
	}
	if p := b.post(e.hs.URL+"/activate", form); p.status != 200 || !strings.Contains(p.body, "password is set") {
		t.Fatalf("activate: %d %s", p.status, p.body)
	}
	if p := b.post(e.hs.URL+"/activate", form); p.status != 404 || !strings.Contains(p.body, "not valid") {
		t.Fatalf("reuse: %d", p.status)
	}
	if p := b.get(e.hs.URL + "/activate?token=garbage"); p.status != 404 || !strings.Contains(p.body, "Request ID") {
		t.Fatalf("bad token: %d", p.status)
	}
	if p := b.signIn(e, "ann"); p.url.Path != "/console" || p.status != 200 {
		t.Fatalf("sign-in after activation: %d %s", p.status, p.url)
	}
}

func TestTOTPEnrolmentAndSignIn(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ben", true)
	b := newBrowser(t)
	if p := b.signIn(e, "ben"); p.url.Path != "/console" {
		t.Fatalf("sign-in: %s", p.url)
	}
	acct := b.get(e.hs.URL + "/console/account")
	checkPage(t, acct)
	csrf := hidden(acct.body).Get("csrf_token")
	if p := b.post(e.hs.URL+"/console/account/totp", url.Values{"csrf_token": {"wrong"}}); p.status != 403 {
		t.Fatalf("enrol without CSRF: %d", p.status)
	}
	if p := b.post(e.hs.URL+"/console/account/totp", url.Values{"csrf_token": {csrf}}, "Sec-Fetch-Site", "cross-site"); p.status != 403 {
		t.Fatalf("cross-site enrol: %d", p.status)
	}
	enrol := b.post(e.hs.URL+"/console/account/totp", url.Values{"csrf_token": {csrf}})
	checkPage(t, enrol)
	m := regexp.MustCompile(`<code id="totp-secret">([A-Z2-7]+)</code>`).FindStringSubmatch(enrol.body)
	if m == nil || !strings.Contains(enrol.body, `src="data:image/png;base64,`) {
		t.Fatalf("enrolment page: %s", enrol.body)
	}
	secret := m[1]
	code, _ := totp.GenerateCode(secret, time.Now())
	done := b.post(e.hs.URL+"/console/account/totp/confirm", url.Values{"csrf_token": {csrf}, "code": {code}})
	codes := regexp.MustCompile(`<li><code>([a-z2-7-]+)</code></li>`).FindAllStringSubmatch(done.body, -1)
	if done.status != 200 || len(codes) != 10 {
		t.Fatalf("confirm: %d %s", done.status, done.body)
	}
	if p := b.get(e.hs.URL + "/console/account"); strings.Contains(p.body, codes[0][1]) || !strings.Contains(p.body, "10 recovery codes left") {
		t.Fatal("recovery codes shown twice or status wrong")
	}
	b.post(e.hs.URL+"/console/logout", url.Values{"csrf_token": {csrf}})

	// Sign in again: the TOTP step follows the password.
	b2 := newBrowser(t)
	step := b2.signIn(e, "ben@example.com")
	checkPage(t, step)
	if step.status != 200 || !strings.Contains(step.body, `action="/console/login/totp"`) {
		t.Fatalf("no TOTP step: %d %s", step.status, step.body)
	}
	if p := b2.get(e.hs.URL + "/console"); p.url.Path != "/console/login" {
		t.Fatal("half-signed-in session reached the console")
	}
	f := hidden(step.body)
	f.Set("code", "000000")
	if p := b2.post(e.hs.URL+"/console/login/totp", f); p.status != 401 {
		t.Fatalf("wrong code: %d", p.status)
	}
	f.Set("code", codes[1][1])
	if p := b2.post(e.hs.URL+"/console/login/totp", f); p.status != 200 || p.url.Path != "/console" {
		t.Fatalf("recovery code: %d %s", p.status, p.url)
	}
}

func TestTilesAndImages(t *testing.T) {
	e := newEnv(t)
	e.user(t, "cat", true)
	mk := func(tpl, label, bookmark string, show bool) *directory.App {
		a, err := e.apps.CreateApp(ctx, directory.SystemActor, lifecycle.NewApp{TemplateID: tpl, Label: label, BookmarkURL: bookmark, ShowInPortal: &show})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	quip := mk("quip", "Quip", "", true)
	wiki := mk("bookmark", "Wiki", "https://wiki.example/start", true)
	hiddenApp := mk("quip", "Hidden", "", false)
	unbound := mk("quip", "Unbound", "", true)
	scimOnly := mk("custom-scim", "Provisioning only", "", true)
	for _, a := range []*directory.App{quip, wiki, hiddenApp, scimOnly} {
		if _, err := e.apps.BindGroups(ctx, directory.SystemActor, a.ID, []string{e.group}); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	png.Encode(&buf, img)
	if _, err := e.apps.SetAppImage(ctx, directory.SystemActor, quip.ID, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.apps.SetAppImage(ctx, directory.SystemActor, unbound.ID, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	p := b.signIn(e, "cat")
	checkPage(t, p)
	if !strings.Contains(p.body, `action="/saml2/`+quip.Slug+`/launch"`) || !strings.Contains(p.body, `href="https://wiki.example/start"`) ||
		strings.Contains(p.body, "Hidden") || strings.Contains(p.body, "Unbound") || strings.Contains(p.body, "Provisioning only") {
		t.Fatalf("tiles: %s", p.body)
	}
	if !strings.Contains(p.body, `src="/console/apps/`+quip.ID+`/image"`) {
		t.Fatal("no image on the Quip tile")
	}
	if p := b.get(e.hs.URL + "/console/apps/" + quip.ID + "/image"); p.status != 200 || p.header.Get("Content-Type") != "image/png" {
		t.Fatalf("image: %d", p.status)
	}
	if p := b.get(e.hs.URL + "/console/apps/" + unbound.ID + "/image"); p.status != 404 {
		t.Fatalf("image of an app the user may not use: %d", p.status)
	}
	if p := newBrowser(t).get(e.hs.URL + "/console/apps/" + quip.ID + "/image"); p.url.Path != "/console/login" {
		t.Fatal("image without a session")
	}
}

func TestSignInErrors(t *testing.T) {
	e := newEnv(t)
	e.user(t, "dan", true)
	b := newBrowser(t)
	f := url.Values{"login": {"dan"}, "password": {"not the password"}}
	for i := 0; i < 3; i++ {
		p := b.post(e.hs.URL+"/console/login", f)
		checkPage(t, p)
		if p.status != 401 || !strings.Contains(p.body, "not correct") || strings.Contains(p.body, "not the password") {
			t.Fatalf("wrong password: %d %s", p.status, p.body)
		}
	}
	f.Set("password", pw)
	if p := b.post(e.hs.URL+"/console/login", f); p.status != 429 || !strings.Contains(p.body, "Too many") {
		t.Fatalf("throttled: %d", p.status)
	}
	if p := newBrowser(t).post(e.hs.URL+"/console/login", f, "Sec-Fetch-Site", "cross-site"); p.status != 403 {
		t.Fatalf("cross-site sign-in: %d", p.status)
	}
	if p := b.post(e.hs.URL+"/console/logout", url.Values{}); p.url.Path != "/console/login" {
		t.Fatalf("logout without session: %d %s", p.status, p.url)
	}
	if p := b.get(e.hs.URL + "/console/static/console.css"); p.status != 200 || !strings.Contains(p.header.Get("Content-Type"), "text/css") {
		t.Fatalf("css: %d", p.status)
	}
}

func TestSignOutEverywhere(t *testing.T) {
	e := newEnv(t)
	e.user(t, "eve", true)
	one, two := newBrowser(t), newBrowser(t)
	one.signIn(e, "eve")
	two.signIn(e, "eve")
	acct := one.get(e.hs.URL + "/console/account")
	checkPage(t, acct)
	if strings.Count(acct.body, "<tr><td>") != 2 || !strings.Contains(acct.body, "this browser") {
		t.Fatalf("sessions: %s", acct.body)
	}
	if p := one.post(e.hs.URL+"/console/account/sessions/revoke", url.Values{"csrf_token": {"x"}}); p.status != 403 {
		t.Fatalf("without CSRF: %d", p.status)
	}
	p := one.post(e.hs.URL+"/console/account/sessions/revoke", url.Values{"csrf_token": {hidden(acct.body).Get("csrf_token")}})
	if p.status != 200 || !strings.Contains(p.body, "every session") {
		t.Fatalf("revoke: %d", p.status)
	}
	for _, b := range []*browser{one, two} {
		if p := b.get(e.hs.URL + "/console"); p.url.Path != "/console/login" {
			t.Fatal("a session survived")
		}
	}
}

package sso_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web/sso"
)

var inResponseToRE = regexp.MustCompile(`InResponseTo="([^"]+)"`)

func inResponseTo(t *testing.T, samlResponse string) string {
	t.Helper()
	raw, _ := base64.StdEncoding.DecodeString(samlResponse)
	m := inResponseToRE.FindSubmatch(raw)
	if m == nil {
		return ""
	}
	return string(m[1])
}

func TestSPInitiatedSignInToQuipWithJIT(t *testing.T) {
	backends(t, testSPInitiatedSignInToQuipWithJIT)
}

func testSPInitiatedSignInToQuipWithJIT(t *testing.T, dsn string) {
	e := newEnvDSN(t, dsn)
	e.user(t, "alice", true)
	b := newBrowser(t)
	// Start at quipsim's SSO link: it redirects to Jumpgate, which asks to sign in.
	login := b.get(e.quipHS.URL + "/c/acme/saml/login")
	if !strings.HasPrefix(login.url.String(), e.jg.URL+"/console/login?pending=") {
		t.Fatalf("not sent to the sign-in page: %s", login.url)
	}
	if strings.Contains(login.url.RawQuery, "SAMLRequest") {
		t.Fatal("the request travels in the URL instead of being kept server-side")
	}
	post := b.signIn(login, "alice@example.com")
	acs, form := autoPost(t, post)
	if acs != e.quipHS.URL+"/c/acme/saml/acs" {
		t.Fatalf("posted to %s", acs)
	}
	id := inResponseTo(t, form.Get("SAMLResponse"))
	if id == "" {
		t.Fatal("no InResponseTo")
	}
	a := e.verify(t, form.Get("SAMLResponse"), []string{id})
	got := attrs(a)
	if a.Subject.NameID.Value != "alice@example.com" || got["email"][0] != "alice@example.com" || got["firstname"][0] != "Alice" ||
		got["lastname"][0] != "Tester" || got["department"][0] != "Engineering" || !slices.Equal(got["memberOf"], []string{"Quip users"}) {
		t.Fatalf("subject %q attributes %v", a.Subject.NameID.Value, got)
	}
	if _, ok := got["employeeNumber"]; ok {
		t.Fatal("a disabled attribute statement was sent")
	}
	// Post it to quipsim, which creates the user just in time.
	home := b.post(acs, form)
	if home.status != 200 || !strings.Contains(home.body, "alice@example.com") {
		t.Fatalf("quipsim after ACS: %d %s", home.status, home.body)
	}
	users, err := e.quip.ListUsers(ctx, e.company.ID)
	if err != nil || len(users) != 1 || users[0].FullName != "Alice Tester" {
		t.Fatalf("quipsim users: %v %+v", err, users)
	}
	if ev := e.events.last(t); ev.Decision != sso.DecisionIssued || ev.Initiated != "sp" || ev.AppSlug != "quip" || ev.UserEmail != "alice@example.com" {
		t.Fatalf("event %+v", ev)
	}
	// Signed in already: a second SP-initiated login goes straight through.
	b2 := b.get(e.quipHS.URL + "/c/acme/saml/login")
	_, form2 := autoPost(t, b2)
	e.verify(t, form2.Get("SAMLResponse"), []string{inResponseTo(t, form2.Get("SAMLResponse"))})
}

// consoleLogin signs in at the console and returns the tiles page.
func consoleLogin(t testing.TB, e *env, b *browser, login string) page {
	t.Helper()
	p := b.signIn(b.get(e.jg.URL+"/console"), login)
	if p.status != 200 || p.url.Path != "/console" {
		t.Fatalf("console after sign-in: %d %s %s", p.status, p.url, p.body)
	}
	return p
}

func TestIdPInitiatedFromConsoleTile(t *testing.T) {
	e := newEnv(t)
	e.user(t, "bob", true)
	b := newBrowser(t)
	tiles := consoleLogin(t, e, b, "bob")
	if !strings.Contains(tiles.body, `action="/saml2/quip/launch"`) || !strings.Contains(tiles.body, "Quip") {
		t.Fatalf("no Quip tile: %s", tiles.body)
	}
	csrf := hidden(tiles.body).Get("csrf_token")
	// Without the CSRF token the launch is refused and nothing is issued.
	bad := b.post(e.jg.URL+"/saml2/quip/launch", map[string][]string{"csrf_token": {"nope"}})
	if bad.status != 403 || strings.Contains(bad.body, "SAMLResponse") || e.events.issued() != 0 {
		t.Fatalf("launch without CSRF: %d", bad.status)
	}
	acs, form := autoPost(t, b.post(e.jg.URL+"/saml2/quip/launch", map[string][]string{"csrf_token": {csrf}}))
	if form.Get("RelayState") != "/c/acme/" {
		t.Fatalf("relay state %q", form.Get("RelayState"))
	}
	a := e.verify(t, form.Get("SAMLResponse"), nil)
	if a.Subject.NameID.Value != "bob@example.com" {
		t.Fatal(a.Subject.NameID.Value)
	}
	if info := e.verifyGosaml2(t, form.Get("SAMLResponse")); info.NameID != "bob@example.com" || info.Values.Get("lastname") != "Tester" {
		t.Fatalf("gosaml2 sees %q %v", info.NameID, info.Values)
	}
	home := b.post(acs, form)
	if home.status != 200 || !strings.Contains(home.body, "bob@example.com") {
		t.Fatalf("quipsim after ACS: %d %s", home.status, home.body)
	}
	if ev := e.events.last(t); ev.Decision != sso.DecisionIssued || ev.Initiated != "idp" {
		t.Fatalf("event %+v", ev)
	}
	// Logout ends the session.
	out := b.post(e.jg.URL+"/console/logout", map[string][]string{"csrf_token": {csrf}})
	if out.status != 200 || !strings.Contains(out.body, "signed out") {
		t.Fatalf("logout: %d", out.status)
	}
	if p := b.get(e.jg.URL + "/console"); p.url.Path != "/console/login" {
		t.Fatalf("console after logout: %s", p.url)
	}
}

func TestUserNotInBoundGroupIsRefused(t *testing.T) {
	e := newEnv(t)
	e.user(t, "carol", false)
	b := newBrowser(t)
	p := b.signIn(b.get(e.quipHS.URL+"/c/acme/saml/login"), "carol")
	if p.status != 403 || !strings.Contains(p.body, "You don&#39;t have access to Quip. Ask your administrator.") || strings.Contains(p.body, "SAMLResponse") {
		t.Fatalf("refusal page: %d %s", p.status, p.body)
	}
	if !strings.Contains(p.body, "Request ID") {
		t.Fatal("no request id on the page")
	}
	ev := e.events.last(t)
	if ev.Decision != sso.DecisionRefused || !strings.Contains(ev.Reason, "group bound") || ev.UserEmail != "carol@example.com" || ev.ClientIP == "" {
		t.Fatalf("event %+v", ev)
	}
	// No tile either, and the launch endpoint refuses too.
	tiles := b.get(e.jg.URL + "/console")
	if strings.Contains(tiles.body, "/saml2/quip/launch") {
		t.Fatal("tile shown to a user without access")
	}
	p = b.post(e.jg.URL+"/saml2/quip/launch", map[string][]string{"csrf_token": {hidden(tiles.body).Get("csrf_token")}})
	if p.status != 403 || strings.Contains(p.body, "SAMLResponse") || e.events.issued() != 0 {
		t.Fatalf("launch: %d", p.status)
	}
	if users, _ := e.quip.ListUsers(ctx, e.company.ID); len(users) != 0 {
		t.Fatal("user created in quipsim")
	}
}

func TestSuspendedUserIsRefused(t *testing.T) {
	e := newEnv(t)
	u := e.user(t, "dave", true)
	b := newBrowser(t)
	tiles := consoleLogin(t, e, b, "dave")
	e.setState(t, u.ID, directory.UserSuspended)
	// The session ends at once: launch and SP-initiated both lead to the sign-in page...
	p := b.post(e.jg.URL+"/saml2/quip/launch", map[string][]string{"csrf_token": {hidden(tiles.body).Get("csrf_token")}})
	if p.url.Path != "/console/login" || strings.Contains(p.body, "SAMLResponse") {
		t.Fatalf("launch by a suspended user: %d %s", p.status, p.url)
	}
	login := b.get(e.quipHS.URL + "/c/acme/saml/login")
	// ...where the suspended user cannot sign in (generic message).
	p = b.signIn(login, "dave")
	if p.status != 401 || !strings.Contains(p.body, "cannot sign in") || strings.Contains(p.body, "SAMLResponse") {
		t.Fatalf("suspended sign-in: %d %s", p.status, p.body)
	}
	if e.events.issued() != 0 {
		t.Fatal("assertion issued")
	}
}

func TestDeactivatedSSOIsRefused(t *testing.T) {
	e := newEnv(t)
	e.user(t, "erin", true)
	b := newBrowser(t)
	tiles := consoleLogin(t, e, b, "erin")
	if _, err := e.apps.SetSSOActive(ctx, directory.SystemActor, e.appID, false); err != nil {
		t.Fatal(err)
	}
	for _, p := range []page{
		b.get(e.quipHS.URL + "/c/acme/saml/login"),
		b.post(e.jg.URL+"/saml2/quip/launch", map[string][]string{"csrf_token": {hidden(tiles.body).Get("csrf_token")}}),
	} {
		if p.status != 403 || !strings.Contains(p.body, "turned off") || strings.Contains(p.body, "SAMLResponse") {
			t.Fatalf("deactivated SSO: %d %s", p.status, p.body)
		}
	}
	if ev := e.events.last(t); ev.Decision != sso.DecisionRefused || !strings.Contains(ev.Reason, "deactivated") {
		t.Fatalf("event %+v", ev)
	}
	if e.events.issued() != 0 {
		t.Fatal("assertion issued")
	}
}

func TestMetadata(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t)
	p := b.get(e.jg.URL + "/saml2/quip/metadata")
	if p.status != 200 || !strings.Contains(p.header.Get("Content-Type"), "samlmetadata+xml") || !strings.Contains(p.body, "IDPSSODescriptor") {
		t.Fatalf("metadata: %d %s", p.status, p.body)
	}
	for _, path := range []string{"/saml2/nope/metadata", "/saml2/nope", "/saml2/Bad..Slug"} {
		if p := b.get(e.jg.URL + path); p.status != 404 || !strings.Contains(p.body, "Request ID") {
			t.Fatalf("%s: %d %s", path, p.status, p.body)
		}
	}
}

// The HTTP-POST binding arrives cross-site, without the SameSite=Lax
// session cookie: the user is not asked to sign in again, because the
// request is looked at again after a top-level GET that carries the cookie.
func TestPostBindingWithSessionNeedsNoNewSignIn(t *testing.T) {
	e := newEnv(t)
	e.user(t, "fay", true)
	b := newBrowser(t)
	consoleLogin(t, e, b, "fay")
	app, _ := e.cat.SSOApp(ctx, "quip")
	sp := e.spClient(t, app.Config.SPEntityID, app.Config.ACSURLs[0], nil)
	req, err := sp.MakeAuthenticationRequest(e.jg.URL+"/saml2/quip", saml.HTTPPostBinding, saml.HTTPPostBinding)
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	doc.SetRoot(req.Element())
	raw, _ := doc.WriteToBytes()
	form := url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString(raw)}, "RelayState": {"/c/acme/doc/1"}}
	crossSite := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := crossSite.PostForm(e.jg.URL+"/saml2/quip", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != 303 || !strings.HasPrefix(loc, "/sso/continue?pending=") {
		t.Fatalf("POST binding: %d %q", res.StatusCode, loc)
	}
	acs, out := autoPost(t, b.get(e.jg.URL+loc))
	if acs != app.Config.ACSURLs[0] || out.Get("RelayState") != "/c/acme/doc/1" {
		t.Fatalf("posted to %s with %q", acs, out.Get("RelayState"))
	}
	if id := inResponseTo(t, out.Get("SAMLResponse")); id != req.ID {
		t.Fatalf("InResponseTo %q, want %q", id, req.ID)
	}
	e.verify(t, out.Get("SAMLResponse"), []string{req.ID})
}

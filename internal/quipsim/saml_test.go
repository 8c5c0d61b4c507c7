package quipsim_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"encoding/xml"
	"html"
	"io"
	"math/big"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// testIdP is a crewjam/saml IdP serving the session of whoever the test sets.
type testIdP struct {
	t    testing.TB
	e    *env
	idp  *saml.IdentityProvider
	srv  *httptest.Server
	mu   sync.Mutex
	user saml.Session
}

func (p *testIdP) GetSession(_ http.ResponseWriter, _ *http.Request, _ *saml.IdpAuthnRequest) *saml.Session {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.user
	s.CreateTime = p.e.clock.Now()
	s.ExpireTime = s.CreateTime.Add(time.Hour)
	return &s
}

func (p *testIdP) GetServiceProvider(_ *http.Request, id string) (*saml.EntityDescriptor, error) {
	if id != p.e.http.URL+"/c/acme/saml/metadata" {
		return nil, os.ErrNotExist
	}
	res, err := http.Get(id)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var ed saml.EntityDescriptor
	if err := xml.NewDecoder(res.Body).Decode(&ed); err != nil {
		return nil, err
	}
	return &ed, nil
}

func (p *testIdP) setUser(email, first, last string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.user = saml.Session{ID: "s1", Index: "i1", NameID: email, NameIDFormat: string(saml.EmailAddressNameIDFormat),
		UserEmail: email, UserGivenName: first, UserSurname: last, UserCommonName: first + " " + last}
}

func newTestIdP(t testing.TB, e *env) *testIdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test idp"},
		NotBefore: now.Add(-24 * time.Hour), NotAfter: now.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	p := &testIdP{t: t, e: e}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sso":
			p.idp.ServeSSO(w, r)
		case "/init":
			p.idp.ServeIDPInitiated(w, r, e.http.URL+"/c/acme/saml/metadata", "")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(p.srv.Close)
	u := func(s string) url.URL { x, _ := url.Parse(p.srv.URL + s); return *x }
	p.idp = &saml.IdentityProvider{Signer: key, Certificate: cert, MetadataURL: u("/metadata"), SSOURL: u("/sso"),
		SignatureMethod: dsig.RSASHA256SignatureMethod, SessionProvider: p, ServiceProviderProvider: p, Clock: dsig.NewFakeClockAt(now)}
	md, err := xml.Marshal(p.idp.Metadata())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.SetIdPMetadata(context.Background(), e.company.ID, md); err != nil {
		t.Fatal(err)
	}
	return p
}

var samlFormRE = regexp.MustCompile(`name="(SAMLResponse|RelayState)" value="([^"]*)"`)

type samlBrowser struct {
	*browser
}

func newSAMLBrowser(e *env) *samlBrowser {
	jar, _ := cookiejar.New(nil)
	return &samlBrowser{&browser{t: e.t, e: e, c: &http.Client{Jar: jar}}}
}

// idpForm fetches an IdP page and returns its POST form values.
func (b *samlBrowser) idpForm(u string) url.Values {
	b.t.Helper()
	res, err := b.c.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	form := url.Values{}
	for _, m := range samlFormRE.FindAllStringSubmatch(string(body), -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if form.Get("SAMLResponse") == "" {
		b.t.Fatalf("no SAMLResponse from %s: %d %s", u, res.StatusCode, body)
	}
	return form
}

// spLogin runs an SP-initiated login from the company's home page.
func (b *samlBrowser) spLogin() (int, string, url.Values) {
	b.t.Helper()
	code, home := b.get("/c/acme/")
	if code != 200 || !strings.Contains(home, `href="/c/acme/saml/login"`) {
		b.t.Fatalf("home: %d %s", code, home)
	}
	// follow the redirect to the IdP by hand: the IdP answers with a form
	noFollow := *b.c
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := noFollow.Get(b.e.http.URL + "/c/acme/saml/login")
	if err != nil {
		b.t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != 302 || !strings.Contains(loc, "SAMLRequest=") {
		b.t.Fatalf("login redirect: %d %s", res.StatusCode, loc)
	}
	form := b.idpForm(loc)
	code, body := b.post("/c/acme/saml/acs", form)
	return code, body, form
}

func TestSAML_SPInitiatedLoginWithJIT(t *testing.T) {
	e := newEnv(t, nil)
	idp := newTestIdP(t, e)
	idp.setUser("Jit.User@acme.test", "Jit", "User")
	b := newSAMLBrowser(e)
	code, body, form := b.spLogin()
	if code != 200 || !strings.Contains(body, `id="who"`) || !strings.Contains(body, "Jit User") {
		t.Fatalf("after ACS: %d %s", code, body)
	}
	if form.Get("RelayState") != "/c/acme/" {
		t.Fatalf("relay state %q", form.Get("RelayState"))
	}
	us, _ := e.srv.ListUsers(context.Background(), e.company.ID)
	if len(us) != 1 || us[0].UserName != "jit.user" || us[0].FullName != "Jit User" || us[0].Emails[0].Value != "Jit.User@acme.test" {
		t.Fatalf("JIT user: %+v", us)
	}
	// the same response cannot be used twice
	if code, _ := newSAMLBrowser(e).post("/c/acme/saml/acs", form); code != 403 {
		t.Fatalf("replay: %d", code)
	}
}

func TestSAML_IdPInitiatedMatchesSCIMUserByEmail(t *testing.T) {
	e := newEnv(t, nil)
	idp := newTestIdP(t, e)
	u := e.createUser("known@acme.test", "Known", "Person")
	idp.setUser("known@acme.test", "Other", "Name")
	b := newSAMLBrowser(e)
	code, body := b.post("/c/acme/saml/acs", b.idpForm(idp.srv.URL+"/init"))
	if code != 200 || !strings.Contains(body, "Known Person") {
		t.Fatalf("IdP-initiated: %d %s", code, body)
	}
	if us, _ := e.srv.ListUsers(context.Background(), e.company.ID); len(us) != 1 {
		t.Fatalf("duplicate user created: %d", len(us))
	}
	// deactivation by SCIM ends the session
	e.do("DELETE", "/2/Users/"+u["id"].(string), nil)
	if _, body := b.get("/c/acme/"); strings.Contains(body, `id="who"`) {
		t.Fatal("still signed in after deactivation")
	}
	// and a deactivated user cannot sign in again
	if code, _ := b.post("/c/acme/saml/acs", b.idpForm(idp.srv.URL+"/init")); code != 403 {
		t.Fatalf("deactivated login: %d", code)
	}
}

func TestSAML_JITOffRefusesUnknownUsers(t *testing.T) {
	e := newEnv(t, nil)
	idp := newTestIdP(t, e)
	if err := e.srv.SetJIT(context.Background(), e.company.ID, false); err != nil {
		t.Fatal(err)
	}
	idp.setUser("stranger@acme.test", "S", "T")
	b := newSAMLBrowser(e)
	if code, body, _ := b.spLogin(); code != 403 || !strings.Contains(body, "just-in-time provisioning is off") {
		t.Fatalf("%d %s", code, body)
	}
	if us, _ := e.srv.ListUsers(context.Background(), e.company.ID); len(us) != 0 {
		t.Fatal("user created with JIT off")
	}
}

func TestSAML_ActiveToggleEndsSAMLSession(t *testing.T) {
	e := newEnv(t, nil)
	idp := newTestIdP(t, e)
	idp.setUser("t@acme.test", "T", "U")
	b := newSAMLBrowser(e)
	if code, _, _ := b.spLogin(); code != 200 {
		t.Fatalf("login: %d", code)
	}
	us, _ := e.srv.ListUsers(context.Background(), e.company.ID)
	for _, v := range []string{"false", "true"} {
		e.do("PATCH", "/2/Users/"+us[0].ID, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":`+v+`}]}`)
	}
	if _, body := b.get("/c/acme/"); strings.Contains(body, `id="who"`) {
		t.Fatal("session survived active false/true")
	}
}

func TestSAML_MetadataAndAdminBySAMLSession(t *testing.T) {
	e := newEnv(t, nil)
	idp := newTestIdP(t, e)
	b := newSAMLBrowser(e)
	code, md := b.get("/c/acme/saml/metadata")
	if code != 200 || !strings.Contains(md, `entityID="`+e.http.URL+`/c/acme/saml/metadata"`) || !strings.Contains(md, e.http.URL+"/c/acme/saml/acs") {
		t.Fatalf("metadata: %d %s", code, md)
	}
	_ = e.srv.AddAdmin(context.Background(), e.company.ID, "admin@acme.test", "long enough")
	idp.setUser("admin@acme.test", "Ad", "Min")
	if code, _, _ := b.spLogin(); code != 200 {
		t.Fatalf("admin login: %d", code)
	}
	if code, body := b.get("/business/admin/scim"); code != 200 || !strings.Contains(body, `id="token-count"`) || !strings.Contains(body, "admin@acme.test") {
		t.Fatalf("token page by SAML session: %d", code)
	}
	if code, _ := newSAMLBrowser(e).get("/c/nope/saml/metadata"); code != 404 {
		t.Fatalf("unknown company: %d", code)
	}
}

func TestSAML_BadACSInput(t *testing.T) {
	e := newEnv(t, nil)
	newTestIdP(t, e)
	b := newSAMLBrowser(e)
	for _, v := range []string{"", "!!!notbase64", "PHNhbWxwOlJlc3BvbnNlLz4=", strings.Repeat("A", 300<<10)} {
		if code, _ := b.post("/c/acme/saml/acs", url.Values{"SAMLResponse": {v}}); code != 403 {
			t.Fatalf("%.20q: %d", v, code)
		}
	}
}

func TestSAML_IdPByFieldsWithSeveralCertificates(t *testing.T) {
	e := newEnv(t, nil)
	idp := newTestIdP(t, e)
	other := newTestIdP(t, e) // only its certificate is used, as an old key being rotated out
	var pemCerts []byte
	for _, c := range []*x509.Certificate{other.idp.Certificate, idp.idp.Certificate} {
		pemCerts = append(pemCerts, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	ctx := context.Background()
	if err := e.srv.SetIdP(ctx, e.company.ID, idp.idp.MetadataURL.String(), idp.srv.URL+"/sso", pemCerts); err != nil {
		t.Fatal(err)
	}
	got, err := e.srv.IdP(ctx, e.company.ID)
	if err != nil || len(got.Certificates) != 2 {
		t.Fatalf("IdP %+v %v", got, err)
	}
	idp.setUser("rot@acme.test", "Rot", "Ation")
	b := newSAMLBrowser(e)
	if code, body := b.post("/c/acme/saml/acs", b.idpForm(idp.srv.URL+"/init")); code != 200 || !strings.Contains(body, "Rot Ation") {
		t.Fatalf("login: %d %s", code, body)
	}
	if err := e.srv.SetIdP(ctx, e.company.ID, "x", "ftp://nope", pemCerts); err == nil {
		t.Fatal("bad SSO URL accepted")
	}
	if err := e.srv.SetIdPMetadata(ctx, e.company.ID, []byte("<not metadata/>")); err == nil {
		t.Fatal("bad metadata accepted")
	}
}

func TestSAML_AdminUploadsIdPMetadataAndSwitchesJIT(t *testing.T) {
	e := newEnv(t, nil)
	idp := newTestIdP(t, e)
	md, _ := xml.Marshal(idp.idp.Metadata())
	ctx := context.Background()
	other, _ := e.srv.CreateCompany(ctx, "fresh", true, nil)
	_ = e.srv.AddAdmin(ctx, other.ID, "a@fresh.test", "password1")
	b := newBrowser(e)
	_, page := b.post("/business/admin/scim/login", url.Values{"company": {"fresh"}, "email": {"a@fresh.test"}, "password": {"password1"}})
	if !strings.Contains(page, `id="idp">not configured`) || !strings.Contains(page, `id="jit">on`) {
		t.Fatalf("page before: %s", page)
	}
	csrf := html.UnescapeString(csrfRE.FindStringSubmatch(page)[1])
	var body strings.Builder
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", csrf)
	_ = mw.WriteField("jit", "off")
	fw, _ := mw.CreateFormFile("metadata_file", "idp.xml")
	_, _ = fw.Write(md)
	mw.Close()
	res, err := b.c.Post(e.http.URL+"/business/admin/saml", mw.FormDataContentType(), strings.NewReader(body.String()))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(out), `id="jit">off`) || !strings.Contains(string(out), idp.idp.MetadataURL.String()) {
		t.Fatalf("upload: %d %s", res.StatusCode, out)
	}
	if got, err := e.srv.IdP(ctx, other.ID); err != nil || got.EntityID != idp.idp.MetadataURL.String() {
		t.Fatalf("IdP %+v %v", got, err)
	}
	// without the CSRF token nothing changes
	if code, _ := b.post("/business/admin/saml", url.Values{"jit": {"on"}}); code != 403 {
		t.Fatalf("no csrf: %d", code)
	}
	if c, _ := e.srv.Company(ctx, other.ID); c.JIT {
		t.Fatal("JIT switched without CSRF token")
	}
}

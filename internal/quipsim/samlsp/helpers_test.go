package samlsp_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"html"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/jumpgate-idp/jumpgate/internal/quipsim/samlsp"
)

// t0 is the time every test IdP and SP starts at.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// Keys are expensive to generate, so each kind is made once per test binary.
var (
	rsaKeyA = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA() })
	rsaKeyB = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA() })
	ecKey   = sync.OnceValue(func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})
)

func mustRSA() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

// selfSigned makes a certificate for key valid from a day before t0 to a
// year after.
func selfSigned(t testing.TB, key crypto.Signer, cn string) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    t0.Add(-24 * time.Hour),
		NotAfter:     t0.Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// memRequests is a RequestStore for tests.
type memRequests struct {
	mu  sync.Mutex
	now func() time.Time
	ids map[string]time.Time
}

func (s *memRequests) SaveRequest(_ context.Context, id string, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ids[id] = expires
	return nil
}

func (s *memRequests) TakeRequest(_ context.Context, id string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.ids[id]
	delete(s.ids, id)
	return ok && s.now().Before(exp), nil
}

// memReplay is a ReplayStore for tests.
type memReplay struct {
	mu  sync.Mutex
	now func() time.Time
	ids map[string]time.Time
}

func (s *memReplay) MarkAssertionUsed(_ context.Context, id string, expires time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if exp, ok := s.ids[id]; ok && s.now().Before(exp) {
		return false, nil
	}
	s.ids[id] = expires
	return true, nil
}

// testSession is the user logged in at the test IdP.
var testSession = saml.Session{
	ID:             "session-1",
	Index:          "idx-42",
	NameID:         "alice@example.com",
	NameIDFormat:   string(saml.EmailAddressNameIDFormat),
	UserName:       "alice",
	UserEmail:      "alice@example.com",
	UserGivenName:  "Alice",
	UserSurname:    "Liddell",
	UserCommonName: "Alice Liddell",
}

type sessionProvider struct{}

func (sessionProvider) GetSession(_ http.ResponseWriter, _ *http.Request, _ *saml.IdpAuthnRequest) *saml.Session {
	s := testSession
	s.CreateTime = t0
	s.ExpireTime = t0.Add(time.Hour)
	return &s
}

// spProvider gives the IdP the SP's own metadata.
type spProvider struct{ h *harness }

func (p spProvider) GetServiceProvider(_ *http.Request, id string) (*saml.EntityDescriptor, error) {
	if id != p.h.cfg.EntityID {
		return nil, os.ErrNotExist
	}
	md, err := p.h.sp.Metadata()
	if err != nil {
		return nil, err
	}
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil {
		return nil, err
	}
	return &ed, nil
}

// harness is a crewjam/saml IdP and this package's SP, each behind an
// httptest server, sharing a clock the test can move.
type harness struct {
	t        *testing.T
	mu       sync.Mutex
	now      time.Time
	key      crypto.Signer
	cert     *x509.Certificate
	idp      *saml.IdentityProvider
	idpSrv   *httptest.Server
	spSrv    *httptest.Server
	cfg      samlsp.Config
	sp       *samlsp.SP
	requests *memRequests
	replay   *memReplay
	lastErr  error
	lastOK   *samlsp.Login
}

type option func(*harness)

// withConfig changes the SP configuration before New.
func withConfig(f func(*samlsp.Config)) option {
	return func(h *harness) { f(&h.cfg) }
}

// withIdPKey makes the IdP sign with key and method.
func withIdPKey(key crypto.Signer, method string) option {
	return func(h *harness) {
		h.key = key
		h.cert = selfSigned(h.t, key, "idp")
		h.idp.Signer = key
		h.idp.Certificate = h.cert
		h.idp.SignatureMethod = method
	}
}

func newHarness(t *testing.T, opts ...option) *harness {
	t.Helper()
	h := &harness{t: t, now: t0}
	h.spSrv = httptest.NewServer(http.HandlerFunc(h.serveACS))
	t.Cleanup(h.spSrv.Close)
	h.idpSrv = httptest.NewServer(http.HandlerFunc(h.serveIdP))
	t.Cleanup(h.idpSrv.Close)

	h.key = rsaKeyA()
	h.cert = selfSigned(t, h.key, "idp")
	h.idp = &saml.IdentityProvider{
		Signer:                  h.key,
		Certificate:             h.cert,
		MetadataURL:             mustURL(t, h.idpSrv.URL+"/metadata"),
		SSOURL:                  mustURL(t, h.idpSrv.URL+"/sso"),
		SignatureMethod:         dsig.RSASHA256SignatureMethod,
		SessionProvider:         sessionProvider{},
		ServiceProviderProvider: spProvider{h},
		Clock:                   dsig.NewFakeClockAt(t0),
	}
	h.requests = &memRequests{now: h.clock, ids: map[string]time.Time{}}
	h.replay = &memReplay{now: h.clock, ids: map[string]time.Time{}}
	h.cfg = samlsp.Config{
		EntityID: h.spSrv.URL + "/saml/metadata",
		ACSURL:   h.spSrv.URL + "/saml/acs",
		Now:      h.clock,
		Requests: h.requests,
		Replay:   h.replay,
	}
	for _, o := range opts {
		o(h)
	}
	if h.cfg.IdP.EntityID == "" {
		idp, err := samlsp.ParseIdPMetadata(h.idpMetadata())
		if err != nil {
			t.Fatalf("ParseIdPMetadata(crewjam IdP metadata): %v", err)
		}
		h.cfg.IdP = idp
	}
	sp, err := samlsp.New(h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.sp = sp
	return h
}

func mustURL(t testing.TB, s string) url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return *u
}

func (h *harness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *harness) setNow(t time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.now = t
}

func (h *harness) idpMetadata() []byte {
	h.t.Helper()
	b, err := xml.MarshalIndent(h.idp.Metadata(), "", "  ")
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

func (h *harness) serveIdP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/sso":
		h.idp.ServeSSO(w, r)
	case "/metadata":
		w.Write(h.idpMetadata())
	default:
		http.NotFound(w, r)
	}
}

// serveACS is quipsim's ACS in miniature: it records the outcome.
func (h *harness) serveACS(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/saml/acs" {
		http.NotFound(w, r)
		return
	}
	login, err := h.sp.HandleACS(r)
	h.mu.Lock()
	h.lastOK, h.lastErr = login, err
	h.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	io.WriteString(w, "welcome "+login.Email)
}

var formField = regexp.MustCompile(`name="(SAMLResponse|RelayState)" value="([^"]*)"`)

// parseForm returns the SAMLResponse and RelayState of an IdP's POST form.
func parseForm(t testing.TB, page string) (samlResponse, relayState string) {
	t.Helper()
	for _, m := range formField.FindAllStringSubmatch(page, -1) {
		if m[1] == "SAMLResponse" {
			samlResponse = html.UnescapeString(m[2])
		} else {
			relayState = html.UnescapeString(m[2])
		}
	}
	if samlResponse == "" {
		t.Fatalf("no SAMLResponse in IdP page:\n%s", page)
	}
	return samlResponse, relayState
}

// spInitiated runs LoginURL and the IdP's ServeSSO over HTTP and returns
// the posted form values.
func (h *harness) spInitiated(relayState string) (samlResponse, gotRelay string) {
	h.t.Helper()
	u, err := h.sp.LoginURL(context.Background(), relayState)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.fetchSSO(u)
}

func (h *harness) fetchSSO(u string) (string, string) {
	h.t.Helper()
	resp, err := h.idpSrv.Client().Get(u)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("IdP SSO: %s\n%s", resp.Status, body)
	}
	return parseForm(h.t, string(body))
}

// idpInitiated asks the IdP for an unsolicited response.
func (h *harness) idpInitiated(relayState string) (string, string) {
	h.t.Helper()
	rec := httptest.NewRecorder()
	h.idp.ServeIDPInitiated(rec, httptest.NewRequest(http.MethodGet, h.idpSrv.URL+"/start", nil), h.cfg.EntityID, relayState)
	if rec.Code != http.StatusOK {
		h.t.Fatalf("IdP-initiated: %d %s", rec.Code, rec.Body)
	}
	return parseForm(h.t, rec.Body.String())
}

// post sends the form to the ACS over HTTP and returns the outcome.
func (h *harness) post(samlResponse, relayState string) (*samlsp.Login, error) {
	h.t.Helper()
	form := url.Values{"SAMLResponse": {samlResponse}}
	if relayState != "" {
		form.Set("RelayState", relayState)
	}
	resp, err := h.spSrv.Client().PostForm(h.cfg.ACSURL, form)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	h.mu.Lock()
	defer h.mu.Unlock()
	if (h.lastErr == nil) != (resp.StatusCode == http.StatusOK) {
		h.t.Fatalf("ACS status %s with error %v", resp.Status, h.lastErr)
	}
	return h.lastOK, h.lastErr
}

// acs calls HandleACS directly with the form.
func (h *harness) acs(samlResponse string) (*samlsp.Login, error) {
	h.t.Helper()
	body := url.Values{"SAMLResponse": {samlResponse}}.Encode()
	r := httptest.NewRequest(http.MethodPost, h.cfg.ACSURL, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.sp.HandleACS(r)
}

// signMode says which elements resign signs.
type signMode int

const (
	signAssertion signMode = 1 << iota
	signResponse
	signBoth = signAssertion | signResponse
)

// edit decodes a SAMLResponse, removes its signatures, lets edit change the
// Response and its Assertion, then signs again as mode says with the
// harness IdP's key (RSA-SHA256) and returns it base64-encoded.
func (h *harness) edit(samlResponse string, mode signMode, edit func(resp, assertion *etree.Element)) string {
	h.t.Helper()
	return editWith(h.t, samlResponse, mode, h.key, h.cert, dsig.RSASHA256SignatureMethod, edit)
}

func editWith(t testing.TB, samlResponse string, mode signMode, key crypto.Signer, cert *x509.Certificate, method string, edit func(resp, assertion *etree.Element)) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(samlResponse)
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		t.Fatal(err)
	}
	resp := doc.Root()
	assertion := resp.FindElement("./Assertion")
	if assertion == nil {
		t.Fatal("no Assertion")
	}
	for _, el := range []*etree.Element{resp, assertion} {
		if sig := el.FindElement("./Signature"); sig != nil {
			el.RemoveChild(sig)
		}
	}
	if edit != nil {
		edit(resp, assertion)
	}
	if mode&signAssertion != 0 {
		signed := signEl(t, assertion.Copy(), key, cert, method)
		i := assertion.Index()
		resp.RemoveChildAt(i)
		resp.InsertChildAt(i, signed)
	}
	if mode&signResponse != 0 {
		doc.SetRoot(signEl(t, resp, key, cert, method))
	}
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(out)
}

// signEl returns el with an enveloped signature placed after its Issuer.
func signEl(t testing.TB, el *etree.Element, key crypto.Signer, cert *x509.Certificate, method string) *etree.Element {
	t.Helper()
	ctx, err := dsig.NewSigningContext(key, [][]byte{cert.Raw})
	if err != nil {
		t.Fatal(err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(method); err != nil {
		t.Fatal(err)
	}
	signed, err := ctx.SignEnveloped(el)
	if err != nil {
		t.Fatal(err)
	}
	// SignEnveloped appends the Signature without making signed its
	// parent, so take it off the child list by hand.
	sig := signed.Child[len(signed.Child)-1].(*etree.Element)
	signed.Child = signed.Child[:len(signed.Child)-1]
	at := 0
	if iss := signed.FindElement("./Issuer"); iss != nil {
		at = iss.Index() + 1
	}
	signed.InsertChildAt(at, sig)
	return signed
}

// decode returns the XML of a SAMLResponse.
func decode(t testing.TB, samlResponse string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(samlResponse)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

package samlidp_test

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
)

// lookupFor returns an AppLookup that knows the given configs.
func lookupFor(cfgs ...samlidp.AppConfig) samlidp.AppLookup {
	return func(_ context.Context, id string) (*samlidp.AppConfig, error) {
		for i := range cfgs {
			if cfgs[i].SPEntityID == id {
				return &cfgs[i], nil
			}
		}
		return nil, samlidp.ErrUnknownServiceProvider
	}
}

type reqOpts struct {
	id, issuer, acs, dest, extra, binding string
	instant                               time.Time
}

func authnRequestXML(o reqOpts) string {
	if o.id == "" {
		o.id = "_req-abc"
	}
	if o.issuer == "" {
		o.issuer = testSPEntityID
	}
	if o.instant.IsZero() {
		o.instant = testNow.Add(-30 * time.Second)
	}
	attrs := ""
	if o.acs != "" {
		attrs += fmt.Sprintf(` AssertionConsumerServiceURL="%s"`, o.acs)
	}
	if o.dest != "" {
		attrs += fmt.Sprintf(` Destination="%s"`, o.dest)
	}
	if o.binding != "" {
		attrs += fmt.Sprintf(` ProtocolBinding="%s"`, o.binding)
	}
	return fmt.Sprintf(`<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="%s" Version="2.0" IssueInstant="%s" ForceAuthn="true"%s><saml:Issuer>%s</saml:Issuer><samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="true"/>%s</samlp:AuthnRequest>`,
		o.id, o.instant.UTC().Format(time.RFC3339), attrs, o.issuer, o.extra)
}

func deflateB64(t testing.TB, s string) string {
	t.Helper()
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write([]byte(s))
	w.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func redirectRequest(rawQuery string) *http.Request {
	return httptest.NewRequest(http.MethodGet, testIdPSSOURL+"?"+rawQuery, nil)
}

func postRequest(form url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, testIdPSSOURL, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// signRedirect signs a redirect query the way saml-bindings §3.4.4.1 says.
func signRedirect(t testing.TB, key crypto.Signer, encoded, relayState string) string {
	return signRedirectWith(t, key, encoded, relayState, dsig.RSASHA256SignatureMethod, crypto.SHA256)
}

func signRedirectWith(t testing.TB, key crypto.Signer, encoded, relayState, alg string, hash crypto.Hash) string {
	t.Helper()
	q := "SAMLRequest=" + url.QueryEscape(encoded)
	if relayState != "" {
		q += "&RelayState=" + url.QueryEscape(relayState)
	}
	q += "&SigAlg=" + url.QueryEscape(alg)
	h := hash.New()
	h.Write([]byte(q))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), hash, h.Sum(nil))
	if err != nil {
		t.Fatal(err)
	}
	return q + "&Signature=" + url.QueryEscape(base64.StdEncoding.EncodeToString(sig))
}

// signPost returns the AuthnRequest with an enveloped RSA-SHA256 signature by key.
func signPost(t testing.TB, kp *samlidp.KeyPair, x string) string {
	return signPostWith(t, kp, x, dsig.RSASHA256SignatureMethod)
}

func signPostWith(t testing.TB, kp *samlidp.KeyPair, x, method string) string {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromString(x); err != nil {
		t.Fatal(err)
	}
	ctx, err := dsig.NewSigningContext(kp.Signer, [][]byte{kp.Certificate().Raw})
	if err != nil {
		t.Fatal(err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(method); err != nil {
		t.Fatal(err)
	}
	signed, err := ctx.SignEnveloped(doc.Root())
	if err != nil {
		t.Fatal(err)
	}
	doc.SetRoot(signed)
	out, _ := doc.WriteToString()
	return out
}

func signedConfig(t testing.TB) samlidp.AppConfig {
	cfg := baseConfig(t)
	cfg.SPCertificate = loadCert(t, "sp")
	return cfg
}

func TestParseAuthnRequestRedirect(t *testing.T) {
	cfg := baseConfig(t)
	q := "SAMLRequest=" + url.QueryEscape(deflateB64(t, authnRequestXML(reqOpts{acs: testACS2, dest: testIdPSSOURL}))) + "&RelayState=" + url.QueryEscape("/docs/1?x=y")
	req, err := samlidp.ParseAuthnRequest(redirectRequest(q), lookupFor(cfg), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if req.ID != "_req-abc" || req.SPEntityID != testSPEntityID || req.ACSURL != testACS2 || req.RelayState != "/docs/1?x=y" ||
		!req.ForceAuthn || req.IsPassive || req.NameIDPolicyFormat != string(samlidp.NameIDEmailAddress) ||
		req.Binding != samlidp.BindingHTTPRedirect || req.Signed || req.App == nil {
		t.Errorf("parsed request: %+v", req)
	}
	// Without AssertionConsumerServiceURL the default ACS is used.
	q = "SAMLRequest=" + url.QueryEscape(deflateB64(t, authnRequestXML(reqOpts{})))
	req, err = samlidp.ParseAuthnRequest(redirectRequest(q), lookupFor(cfg), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if req.ACSURL != testACS {
		t.Errorf("ACS %q, want default %q", req.ACSURL, testACS)
	}
}

func TestParseAuthnRequestPost(t *testing.T) {
	cfg := baseConfig(t)
	form := url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString([]byte(authnRequestXML(reqOpts{acs: testACS})))}, "RelayState": {"rs"}}
	req, err := samlidp.ParseAuthnRequest(postRequest(form), lookupFor(cfg), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if req.Binding != samlidp.BindingHTTPPost || req.ACSURL != testACS || req.RelayState != "rs" {
		t.Errorf("parsed request: %+v", req)
	}
}

// TestSignedRequestsFromCrewjamSP uses crewjam/saml's service provider to
// produce signed AuthnRequests with both bindings.
func TestSignedRequestsFromCrewjamSP(t *testing.T) {
	cfg := signedConfig(t)
	spKey := loadKey(t, "sp")
	sp := crewjamSP(t, cfg, testACS)
	sp.Key = spKey.Signer
	sp.Certificate = spKey.Certificate()
	sp.SignatureMethod = dsig.RSASHA256SignatureMethod

	u, err := sp.MakeRedirectAuthenticationRequest("relay-1")
	if err != nil {
		t.Fatal(err)
	}
	req, err := samlidp.ParseAuthnRequest(redirectRequest(u.RawQuery), lookupFor(cfg), testNow)
	if err != nil {
		t.Fatalf("signed redirect refused: %v", err)
	}
	if !req.Signed || req.RelayState != "relay-1" || req.ACSURL != testACS {
		t.Errorf("parsed: %+v", req)
	}

	ar, err := sp.MakeAuthenticationRequest(testIdPSSOURL, saml.HTTPPostBinding, saml.HTTPPostBinding)
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	doc.SetRoot(ar.Element())
	x, _ := doc.WriteToBytes()
	form := url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString(x)}, "RelayState": {"relay-2"}}
	req, err = samlidp.ParseAuthnRequest(postRequest(form), lookupFor(cfg), testNow)
	if err != nil {
		t.Fatalf("signed POST refused: %v", err)
	}
	if !req.Signed || req.ID != ar.ID {
		t.Errorf("parsed: %+v", req)
	}

	// The response to it verifies at the same SP with InResponseTo.
	resp := mustResponse(t, cfg, req, testSubject())
	acsURL, _ := url.Parse(testACS)
	if _, err := sp.ParseXMLResponse(resp.XML(), []string{ar.ID}, *acsURL); err != nil {
		t.Fatalf("crewjam refused the response to its request: %v", errDetail(err))
	}
}

func TestAuthnRequestRefusals(t *testing.T) {
	plain := baseConfig(t)
	signed := signedConfig(t)
	spKey := loadKey(t, "sp")
	otherKey := loadKey(t, "idp-next")
	enc := func(o reqOpts) string { return deflateB64(t, authnRequestXML(o)) }
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

	var bomb bytes.Buffer
	w, _ := flate.NewWriter(&bomb, flate.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 10 {
		w.Write(zeros)
	}
	w.Close()

	signedQuery := signRedirect(t, spKey.Signer, enc(reqOpts{}), "rs")
	dtd := `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]>` + authnRequestXML(reqOpts{})
	lol := `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>` + strings.Replace(authnRequestXML(reqOpts{}), "_req-abc", "&lol2;", 1)
	xxe := `<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + strings.Replace(authnRequestXML(reqOpts{}), testSPEntityID, "&xxe;", 1)

	cases := []struct {
		name string
		cfg  samlidp.AppConfig
		r    *http.Request
		want error
	}{
		{"unsigned redirect to signing app", signed, redirectRequest("SAMLRequest=" + url.QueryEscape(enc(reqOpts{}))), samlidp.ErrSignature},
		{"unsigned post to signing app", signed, postRequest(url.Values{"SAMLRequest": {b64(authnRequestXML(reqOpts{}))}}), samlidp.ErrSignature},
		{"redirect signed by another key", signed, redirectRequest(signRedirect(t, otherKey.Signer, enc(reqOpts{}), "rs")), samlidp.ErrSignature},
		{"redirect RelayState changed after signing", signed, redirectRequest(strings.Replace(signedQuery, "RelayState=rs", "RelayState=evil", 1)), samlidp.ErrSignature},
		{"redirect SAMLRequest swapped after signing", signed, redirectRequest(strings.Replace(signedQuery, url.QueryEscape(enc(reqOpts{})), url.QueryEscape(enc(reqOpts{acs: testACS2})), 1)), samlidp.ErrSignature},
		{"redirect SigAlg without Signature", signed, redirectRequest(strings.Split(signedQuery, "&Signature=")[0]), samlidp.ErrSignature},
		{"post signed by another key", signed, postRequest(url.Values{"SAMLRequest": {b64(signPost(t, otherKey, authnRequestXML(reqOpts{})))}}), samlidp.ErrSignature},
		{"post tampered after signing", signed, postRequest(url.Values{"SAMLRequest": {b64(strings.Replace(signPost(t, spKey, authnRequestXML(reqOpts{acs: testACS})), testACS, testACS2, 1))}}), samlidp.ErrSignature},
		{"post signed with SHA-1", signed, postRequest(url.Values{"SAMLRequest": {b64(signPostWith(t, spKey, authnRequestXML(reqOpts{}), dsig.RSASHA1SignatureMethod))}}), samlidp.ErrSignature},
		{"unknown issuer", plain, redirectRequest("SAMLRequest=" + url.QueryEscape(enc(reqOpts{issuer: "https://EXAMPLE.quip.com"}))), samlidp.ErrUnknownServiceProvider},
		{"ACS not listed", plain, redirectRequest("SAMLRequest=" + url.QueryEscape(enc(reqOpts{acs: "https://evil.example/acs"}))), samlidp.ErrACSNotAllowed},
		{"javascript ACS", plain, redirectRequest("SAMLRequest=" + url.QueryEscape(enc(reqOpts{acs: "javascript:alert(1)"}))), samlidp.ErrACSNotAllowed},
		{"artifact binding", plain, redirectRequest("SAMLRequest=" + url.QueryEscape(enc(reqOpts{binding: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"}))), samlidp.ErrACSNotAllowed},
		{"DTD redirect", plain, redirectRequest("SAMLRequest=" + url.QueryEscape(deflateB64(t, dtd))), samlidp.ErrMalformedRequest},
		{"entity expansion post", plain, postRequest(url.Values{"SAMLRequest": {b64(lol)}}), samlidp.ErrMalformedRequest},
		{"external entity post", plain, postRequest(url.Values{"SAMLRequest": {b64(xxe)}}), samlidp.ErrMalformedRequest},
		{"deflate bomb", plain, redirectRequest("SAMLRequest=" + url.QueryEscape(base64.StdEncoding.EncodeToString(bomb.Bytes()))), samlidp.ErrMalformedRequest},
		{"oversized SAMLRequest", plain, postRequest(url.Values{"SAMLRequest": {strings.Repeat("A", 200<<10)}}), samlidp.ErrMalformedRequest},
		{"oversized redirect SAMLRequest", plain, redirectRequest("SAMLRequest=" + strings.Repeat("A", 200<<10)), samlidp.ErrMalformedRequest},
		{"oversized post body", plain, postRequest(url.Values{"SAMLRequest": {b64(authnRequestXML(reqOpts{}))}, "junk": {strings.Repeat("A", 1<<20)}}), samlidp.ErrMalformedRequest},
		{"bad base64", plain, redirectRequest("SAMLRequest=%25%25not-base64%25%25"), samlidp.ErrMalformedRequest},
		{"not deflate", plain, redirectRequest("SAMLRequest=" + url.QueryEscape(b64(authnRequestXML(reqOpts{})))), samlidp.ErrMalformedRequest},
		{"not XML", plain, postRequest(url.Values{"SAMLRequest": {b64("hello")}}), samlidp.ErrMalformedRequest},
		{"wrong root", plain, postRequest(url.Values{"SAMLRequest": {b64(`<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`)}}), samlidp.ErrMalformedRequest},
		{"no SAMLRequest", plain, redirectRequest("RelayState=x"), samlidp.ErrMalformedRequest},
		{"repeated SAMLRequest", plain, redirectRequest("SAMLRequest=" + url.QueryEscape(enc(reqOpts{})) + "&SAMLRequest=" + url.QueryEscape(enc(reqOpts{}))), samlidp.ErrMalformedRequest},
		{"long RelayState", plain, redirectRequest("SAMLRequest=" + url.QueryEscape(enc(reqOpts{})) + "&RelayState=" + strings.Repeat("r", 3000)), samlidp.ErrMalformedRequest},
		{"IssueInstant too old", plain, redirectRequest("SAMLRequest=" + url.QueryEscape(enc(reqOpts{instant: testNow.Add(-10 * time.Minute)}))), samlidp.ErrRequestExpired},
		{"IssueInstant in the future", plain, redirectRequest("SAMLRequest=" + url.QueryEscape(enc(reqOpts{instant: testNow.Add(10 * time.Minute)}))), samlidp.ErrRequestExpired},
		{"wrong Destination", plain, redirectRequest("SAMLRequest=" + url.QueryEscape(enc(reqOpts{dest: "https://other.idp/saml2/x"}))), samlidp.ErrDestination},
		{"PUT", plain, httptest.NewRequest(http.MethodPut, testIdPSSOURL, nil), samlidp.ErrMalformedRequest},
		{"post without form content type", plain, httptest.NewRequest(http.MethodPost, testIdPSSOURL, strings.NewReader("SAMLRequest=x")), samlidp.ErrMalformedRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := samlidp.ParseAuthnRequest(c.r, lookupFor(c.cfg), testNow)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v (%+v), want %v", err, req, c.want)
			}
			if req != nil {
				t.Error("request returned with an error")
			}
			t.Log(err)
		})
	}

	// Sanity: the unmodified signed forms are accepted.
	if _, err := samlidp.ParseAuthnRequest(redirectRequest(signedQuery), lookupFor(signed), testNow); err != nil {
		t.Errorf("signed redirect refused: %v", err)
	}
	post := postRequest(url.Values{"SAMLRequest": {b64(signPost(t, spKey, authnRequestXML(reqOpts{acs: testACS})))}})
	if r, err := samlidp.ParseAuthnRequest(post, lookupFor(signed), testNow); err != nil || !r.Signed {
		t.Errorf("signed post refused: %v", err)
	}
}

func TestLookupErrorsPassThrough(t *testing.T) {
	boom := errors.New("database down")
	q := "SAMLRequest=" + url.QueryEscape(deflateB64(t, authnRequestXML(reqOpts{})))
	_, err := samlidp.ParseAuthnRequest(redirectRequest(q), func(context.Context, string) (*samlidp.AppConfig, error) { return nil, boom }, testNow)
	if !errors.Is(err, boom) {
		t.Errorf("got %v", err)
	}
	_, err = samlidp.ParseAuthnRequest(redirectRequest(q), func(context.Context, string) (*samlidp.AppConfig, error) { return nil, nil }, testNow)
	if !errors.Is(err, samlidp.ErrUnknownServiceProvider) {
		t.Errorf("nil config: %v", err)
	}
}

func TestSHA1RequestSignatures(t *testing.T) {
	spKey := loadKey(t, "sp")
	enc := deflateB64(t, authnRequestXML(reqOpts{}))
	q := signRedirectWith(t, spKey.Signer, enc, "rs", dsig.RSASHA1SignatureMethod, crypto.SHA1)
	post := base64.StdEncoding.EncodeToString([]byte(signPostWith(t, spKey, authnRequestXML(reqOpts{}), dsig.RSASHA1SignatureMethod)))
	cfg := signedConfig(t)
	if _, err := samlidp.ParseAuthnRequest(redirectRequest(q), lookupFor(cfg), testNow); !errors.Is(err, samlidp.ErrSignature) {
		t.Errorf("SHA-1 redirect signature for a SHA-256 app: %v", err)
	}
	cfg.Signature = samlidp.RSASHA1
	if r, err := samlidp.ParseAuthnRequest(redirectRequest(q), lookupFor(cfg), testNow); err != nil || !r.Signed {
		t.Errorf("SHA-1 redirect signature for an RSA-SHA1 app: %v", err)
	}
	if r, err := samlidp.ParseAuthnRequest(postRequest(url.Values{"SAMLRequest": {post}}), lookupFor(cfg), testNow); err != nil || !r.Signed {
		t.Errorf("SHA-1 POST signature for an RSA-SHA1 app: %v", err)
	}
}

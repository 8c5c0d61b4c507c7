package sso_test

import (
	"bytes"
	"compress/flate"
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
	"github.com/jumpgate-idp/jumpgate/internal/web/sso"
)

// spClient makes AuthnRequests as the SP would (crewjam's SP code).
func (e *env) spClient(t *testing.T, entityID, acs string, key *samlidp.KeyPair) *saml.ServiceProvider {
	t.Helper()
	app, _ := e.cat.SSOApp(ctx, "quip")
	md, _ := samlidp.Metadata(app.Config)
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil {
		t.Fatal(err)
	}
	a, _ := url.Parse(acs)
	sp := &saml.ServiceProvider{EntityID: entityID, AcsURL: *a, IDPMetadata: &ed}
	if key != nil {
		sp.Key, sp.Certificate, sp.SignatureMethod = key.Signer, key.Certificate(), dsig.RSASHA256SignatureMethod
	}
	return sp
}

func (e *env) redirectURL(t *testing.T, sp *saml.ServiceProvider, relay string, mutate func(*saml.AuthnRequest)) string {
	t.Helper()
	req, err := sp.MakeAuthenticationRequest(e.jg.URL+"/saml2/quip", saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(req)
	}
	u, err := req.Redirect(relay, sp)
	if err != nil {
		t.Fatal(err)
	}
	return u.String()
}

func spKey(t *testing.T) *samlidp.KeyPair {
	k, err := samlidp.GenerateKey(samlidp.RSA2048, "sp", time.Hour*24, time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// refused checks a clear 4xx HTML page with the request id, no
// assertion, and nothing issued.
func refused(t *testing.T, e *env, name string, p page, want string) {
	t.Helper()
	if p.status < 400 || p.status >= 500 || !strings.Contains(p.header.Get("Content-Type"), "text/html") ||
		!strings.Contains(p.body, "Request ID") || !strings.Contains(p.body, want) ||
		strings.Contains(p.body, "SAMLResponse") || strings.Contains(p.body, "goroutine") {
		t.Fatalf("%s: %d %s", name, p.status, p.body)
	}
	if e.events.issued() != 0 {
		t.Fatalf("%s: an assertion was issued", name)
	}
}

func deflate64(t *testing.T, data []byte) string {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write(data)
	w.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func TestHostileAuthnRequestsAreRefused(t *testing.T) {
	backends(t, testHostileAuthnRequestsAreRefused)
}

func testHostileAuthnRequestsAreRefused(t *testing.T, dsn string) {
	e := newEnvDSN(t, dsn)
	e.user(t, "alice", true)
	app, _ := e.cat.SSOApp(ctx, "quip")
	spEntity, acs := app.Config.SPEntityID, app.Config.ACSURLs[0]
	b := newBrowser(t)
	consoleLogin(t, e, b, "alice") // signed in: any accepted request would issue at once

	refused(t, e, "unknown SP", b.get(e.redirectURL(t, e.spClient(t, "https://evil.example/sp", acs, nil), "", nil)), "entity ID does not match")
	refused(t, e, "ACS not listed", b.get(e.redirectURL(t, e.spClient(t, spEntity, "https://evil.example/acs", nil), "", nil)), "not configured")

	valid := e.redirectURL(t, e.spClient(t, spEntity, acs, nil), "", nil)
	_, form := autoPost(t, b.get(valid))
	e.verify(t, form.Get("SAMLResponse"), []string{inResponseTo(t, form.Get("SAMLResponse"))})
	e.events.mu.Lock()
	e.events.all = nil
	e.events.mu.Unlock()
	refused(t, e, "replay", b.get(valid), "already used")

	// DTDs and entity declarations.
	for name, doc := range map[string]string{
		"DTD":    `<!DOCTYPE x [<!ENTITY a "b">]><samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="id1" Version="2.0" IssueInstant="%s"><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">%s</saml:Issuer></samlp:AuthnRequest>`,
		"entity": `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="id2" Version="2.0" IssueInstant="%s"><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">%s&amp;</saml:Issuer><!ENTITY x "y"></samlp:AuthnRequest>`,
	} {
		doc = fmt.Sprintf(doc, time.Now().UTC().Format(time.RFC3339), spEntity)
		refused(t, e, name, b.get(e.jg.URL+"/saml2/quip?SAMLRequest="+url.QueryEscape(deflate64(t, []byte(doc)))), "could not be read")
	}
	// Deflate bomb: 8 MB of spaces inside an otherwise fine request.
	bomb := `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="id3" Version="2.0">` + strings.Repeat(" ", 8<<20) + `</samlp:AuthnRequest>`
	refused(t, e, "deflate bomb", b.get(e.jg.URL+"/saml2/quip?SAMLRequest="+url.QueryEscape(deflate64(t, []byte(bomb)))), "could not be read")
	// Oversized POST binding body and garbage.
	big := url.Values{"SAMLRequest": {strings.Repeat("A", 1<<20)}}
	refused(t, e, "oversized POST", b.post(e.jg.URL+"/saml2/quip", big), "could not be read")
	refused(t, e, "garbage", b.get(e.jg.URL+"/saml2/quip?SAMLRequest=%%%"), "")
	refused(t, e, "no request", b.get(e.jg.URL+"/saml2/quip"), "could not be read")
}

func TestSignedRequestsRequiredWhenSPCertificateSet(t *testing.T) {
	e := newEnv(t)
	e.user(t, "alice", true)
	key := spKey(t)
	e.updateSSO(t, func(s *directory.AppSSO) { s.SPCertificate = string(key.CertificatePEM()) })
	app, _ := e.cat.SSOApp(ctx, "quip")
	spEntity, acs := app.Config.SPEntityID, app.Config.ACSURLs[0]
	b := newBrowser(t)
	consoleLogin(t, e, b, "alice")

	refused(t, e, "unsigned", b.get(e.redirectURL(t, e.spClient(t, spEntity, acs, nil), "", nil)), "signature")
	refused(t, e, "signed by another key", b.get(e.redirectURL(t, e.spClient(t, spEntity, acs, spKey(t)), "", nil)), "signature")
	// A valid signature whose query was altered afterwards.
	u := e.redirectURL(t, e.spClient(t, spEntity, acs, key), "state", nil)
	refused(t, e, "altered RelayState", b.get(strings.Replace(u, "RelayState=state", "RelayState=other", 1)), "signature")
	// The properly signed request goes through.
	_, form := autoPost(t, b.get(e.redirectURL(t, e.spClient(t, spEntity, acs, key), "", nil)))
	e.verify(t, form.Get("SAMLResponse"), []string{inResponseTo(t, form.Get("SAMLResponse"))})
}

func TestRelayStateOnlyReachesTheACS(t *testing.T) {
	e := newEnv(t)
	e.user(t, "alice", true)
	app, _ := e.cat.SSOApp(ctx, "quip")
	const evil = "https://evil.example/steal?x=1"
	// Never follow redirects: look at every hop.
	b := newBrowser(t)
	b.c.CheckRedirect = func(req *http.Request, via []*http.Request) error { return http.ErrUseLastResponse }
	start := b.get(e.redirectURL(t, e.spClient(t, app.Config.SPEntityID, app.Config.ACSURLs[0], nil), evil, nil))
	loc := start.header.Get("Location")
	if start.status != 303 || !strings.HasPrefix(loc, "/sso/continue?pending=") || strings.Contains(loc, "evil") {
		t.Fatalf("start: %d %q", start.status, loc)
	}
	cont := b.get(e.jg.URL + loc)
	loc = cont.header.Get("Location")
	if cont.status != 303 || !strings.HasPrefix(loc, "/console/login?pending=") || strings.Contains(loc, "evil") {
		t.Fatalf("continue without a session: %d %q", cont.status, loc)
	}
	login := b.get(e.jg.URL + loc)
	f := hidden(login.body)
	f.Set("login", "alice")
	f.Set("password", pw)
	// Hostile return targets are ignored.
	f.Set("next", "//evil.example/")
	done := b.post(e.jg.URL+"/console/login", f)
	loc = done.header.Get("Location")
	if done.status != 303 || !strings.HasPrefix(loc, "/sso/continue?pending=") {
		t.Fatalf("after sign-in: %d %q", done.status, loc)
	}
	acs, form := autoPost(t, b.get(e.jg.URL+loc))
	if acs != app.Config.ACSURLs[0] || form.Get("RelayState") != evil {
		t.Fatalf("posted to %s with %q", acs, form.Get("RelayState"))
	}
	// The pending request is single use.
	if p := b.get(e.jg.URL + loc); p.status != 400 || strings.Contains(p.body, "SAMLResponse") {
		t.Fatalf("pending reuse: %d", p.status)
	}
	// The sign-in page's return parameters accept only pending ids and console paths.
	for _, next := range []string{"https://evil.example/", "//evil.example", "/\\evil.example", "/console/../admin", "javascript:alert(1)"} {
		b2 := newBrowser(t)
		b2.c.CheckRedirect = b.c.CheckRedirect
		p := b2.post(e.jg.URL+"/console/login", url.Values{"login": {"alice"}, "password": {pw}, "next": {next}, "pending": {next}})
		if l := p.header.Get("Location"); p.status != 303 || l != "/console" {
			t.Fatalf("next %q: %d %q", next, p.status, l)
		}
	}
}

func TestForceAuthnAndIsPassive(t *testing.T) {
	e := newEnv(t)
	e.user(t, "gus", true)
	app, _ := e.cat.SSOApp(ctx, "quip")
	sp := e.spClient(t, app.Config.SPEntityID, app.Config.ACSURLs[0], nil)
	yes := true

	// IsPassive without a session: a NoPassive status to the ACS, no assertion.
	b := newBrowser(t)
	acs, form := autoPost(t, b.get(e.redirectURL(t, sp, "", func(r *saml.AuthnRequest) { r.IsPassive = &yes })))
	raw, _ := base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
	if acs != app.Config.ACSURLs[0] || !strings.Contains(string(raw), saml.StatusNoPassive) || strings.Contains(string(raw), "Assertion ") {
		t.Fatalf("passive: %s", raw)
	}
	if ev := e.events.last(t); ev.Decision != sso.DecisionRefused || e.events.issued() != 0 {
		t.Fatalf("event %+v", ev)
	}

	// ForceAuthn with a session: the user signs in again first.
	consoleLogin(t, e, b, "gus")
	p := b.get(e.redirectURL(t, sp, "", func(r *saml.AuthnRequest) { r.ForceAuthn = &yes }))
	if p.url.Path != "/console/login" || strings.Contains(p.body, "SAMLResponse") {
		t.Fatalf("ForceAuthn went straight through: %s", p.url)
	}
	_, form = autoPost(t, b.signIn(p, "gus"))
	e.verify(t, form.Get("SAMLResponse"), []string{inResponseTo(t, form.Get("SAMLResponse"))})
}

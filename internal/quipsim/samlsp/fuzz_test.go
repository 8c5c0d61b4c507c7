package samlsp_test

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/jumpgate-idp/jumpgate/internal/quipsim/samlsp"
)

// The fuzz SP has fixed URLs and a committed test-only IdP key, so that the
// committed seeds are valid responses and the fuzzer starts from inputs
// that reach every check.
const (
	fuzzSPEntity  = "https://acme.quip.test/c/acme/saml/metadata"
	fuzzACS       = "https://acme.quip.test/c/acme/saml/acs"
	fuzzIdPEntity = "https://sso.jumpgate.test/saml2/quip"
	fuzzRequestID = "id-fuzz-request"
	fuzzKeyFile   = "testdata/fuzz-idp.pem"
)

// fuzzIdP returns the committed test-only IdP key and certificate, creating
// them with -update.
func fuzzIdP(t testing.TB) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	if _, err := os.Stat(fuzzKeyFile); err != nil && *update {
		key := rsaKeyA()
		cert := selfSigned(t, key, "fuzz-idp")
		var b bytes.Buffer
		pem.Encode(&b, &pem.Block{Type: "PRIVATE KEY", Bytes: must(x509.MarshalPKCS8PrivateKey(key))})
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
		if err := os.WriteFile(fuzzKeyFile, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(fuzzKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	var key *rsa.PrivateKey
	var cert *x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		switch block.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			key = k.(*rsa.PrivateKey)
		case "CERTIFICATE":
			if cert, err = x509.ParseCertificate(block.Bytes); err != nil {
				t.Fatal(err)
			}
		}
	}
	return key, cert
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func fuzzSP(t testing.TB, cert *x509.Certificate) *samlsp.SP {
	now := func() time.Time { return t0.Add(time.Second) }
	requests := &memRequests{now: now, ids: map[string]time.Time{fuzzRequestID: t0.Add(time.Hour)}}
	sp, err := samlsp.New(samlsp.Config{
		EntityID:          fuzzSPEntity,
		ACSURL:            fuzzACS,
		IdP:               samlsp.IdP{EntityID: fuzzIdPEntity, SSOURL: fuzzIdPEntity, Certificates: []*x509.Certificate{cert}},
		AllowIdPInitiated: true,
		Now:               now,
		Requests:          requests,
		Replay:            &memReplay{now: now, ids: map[string]time.Time{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

func FuzzHandleACS(f *testing.F) {
	_, cert := fuzzIdP(f)
	f.Add([]byte("<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>"), false)
	f.Add([]byte("SAMLResponse=PHg%2B&RelayState=%2F"), true)
	f.Fuzz(func(t *testing.T, data []byte, rawForm bool) {
		body := string(data)
		if !rawForm {
			body = url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(data)}, "RelayState": {"/"}}.Encode()
		}
		r := httptest.NewRequest(http.MethodPost, fuzzACS, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		login, err := fuzzSP(t, cert).HandleACS(r)
		if err != nil {
			var re *samlsp.ResponseError
			if !errors.As(err, &re) || re.Reason == nil || login != nil {
				t.Fatalf("error %v (%T) with login %v", err, err, login)
			}
			return
		}
		if login == nil || login.NameID == "" || (login.InResponseTo != fuzzRequestID && !login.IdPInitiated) {
			t.Fatalf("accepted %+v", login)
		}
	})
}

func FuzzParseIdPMetadata(f *testing.F) {
	f.Add([]byte(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		idp, err := samlsp.ParseIdPMetadata(data)
		if err != nil {
			return
		}
		if idp.EntityID == "" || len(idp.Certificates) == 0 {
			t.Fatalf("accepted %+v", idp)
		}
		if u, err := url.Parse(idp.SSOURL); err != nil || u.Host == "" {
			t.Fatalf("accepted SSO URL %q", idp.SSOURL)
		}
	})
}

// TestFuzzSeeds checks that the committed seeds are what they claim (the
// valid ones are accepted); -update writes them again.
func TestFuzzSeeds(t *testing.T) {
	key, cert := fuzzIdP(t)
	h := newHarness(t)
	resp, _ := h.spInitiated("")
	retarget := func(r, a *etree.Element) {
		r.CreateAttr("Destination", fuzzACS)
		r.CreateAttr("InResponseTo", fuzzRequestID)
		r.FindElement("./Issuer").SetText(fuzzIdPEntity)
		a.FindElement("./Issuer").SetText(fuzzIdPEntity)
		a.FindElement("./Conditions/AudienceRestriction/Audience").SetText(fuzzSPEntity)
		scd := a.FindElement(scdPath)
		scd.CreateAttr("Recipient", fuzzACS)
		scd.CreateAttr("InResponseTo", fuzzRequestID)
	}
	sign := func(mode signMode, edit func(r, a *etree.Element)) []byte {
		b64 := editWith(t, resp, mode, key, cert, dsig.RSASHA256SignatureMethod, func(r, a *etree.Element) {
			retarget(r, a)
			if edit != nil {
				edit(r, a)
			}
		})
		return []byte(decode(t, b64))
	}
	valid := map[string][]byte{
		"sp-initiated-both-signed": sign(signBoth, nil),
		"assertion-signed":         sign(signAssertion, nil),
		"response-signed":          sign(signResponse, nil),
		"idp-initiated": sign(signBoth, func(r, a *etree.Element) {
			r.RemoveAttr("InResponseTo")
			a.FindElement(scdPath).RemoveAttr("InResponseTo")
		}),
	}
	wrapped := rewrite(t, base64.StdEncoding.EncodeToString(valid["assertion-signed"]), func(r *etree.Element) {
		orig := r.FindElement("./Assertion")
		e := orig.Copy()
		e.FindElement("./Subject/NameID").SetText("mallory@evil.example")
		e.FindElement("./Signature").CreateElement("ds:Object").AddChild(orig.Copy())
		r.RemoveChild(orig)
		r.AddChild(e)
	})
	invalid := map[string][]byte{
		"wrapped": []byte(decode(t, wrapped)),
		"dtd":     append([]byte(`<!DOCTYPE r [<!ENTITY a "b">]>`), valid["response-signed"]...),
	}
	for name, doc := range valid {
		r := httptest.NewRequest(http.MethodPost, fuzzACS, strings.NewReader(url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(doc)}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if _, err := fuzzSP(t, cert).HandleACS(r); err != nil {
			t.Errorf("seed %s rejected: %s", name, detail(err))
		}
	}
	if !*update {
		return
	}
	for name, doc := range valid {
		writeSeed(t, "FuzzHandleACS", name, fmt.Sprintf("[]byte(%q)\nbool(false)\n", doc))
	}
	for name, doc := range invalid {
		writeSeed(t, "FuzzHandleACS", name, fmt.Sprintf("[]byte(%q)\nbool(false)\n", doc))
	}
	form := url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(valid["idp-initiated"])}, "RelayState": {"/x"}}.Encode()
	writeSeed(t, "FuzzHandleACS", "raw-form", fmt.Sprintf("[]byte(%q)\nbool(true)\n", form))

	a, b := selfSigned(t, rsaKeyA(), "a"), selfSigned(t, ecKey(), "b")
	for name, doc := range map[string]string{
		"crewjam-idp": string(h.idpMetadata()),
		"two-certs":   idpMetadataXML([]*x509.Certificate{a, b}, nil),
		"entities": `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">` +
			strings.Replace(idpMetadataXML([]*x509.Certificate{a}, nil), ` xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"`, "", 1) +
			`</md:EntitiesDescriptor>`,
		"dtd": `<!DOCTYPE r [<!ENTITY e "x">]>` + idpMetadataXML([]*x509.Certificate{a}, nil),
	} {
		writeSeed(t, "FuzzParseIdPMetadata", name, fmt.Sprintf("[]byte(%q)\n", doc))
	}
}

func writeSeed(t *testing.T, target, name, values string) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte("go test fuzz v1\n"+values), 0o644); err != nil {
		t.Fatal(err)
	}
}

package samlsp_test

import (
	"bytes"
	"compress/flate"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"

	"github.com/jumpgate-idp/jumpgate/internal/quipsim/samlsp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixedConfig is a complete configuration with no randomness or clock.
func fixedConfig(t *testing.T) samlsp.Config {
	return samlsp.Config{
		EntityID: "https://acme.quip.test/c/acme/saml/metadata",
		ACSURL:   "https://acme.quip.test/c/acme/saml/acs",
		IdP: samlsp.IdP{
			EntityID:     "https://sso.jumpgate.test/saml2/quip",
			SSOURL:       "https://sso.jumpgate.test/saml2/quip/sso",
			Certificates: []*x509.Certificate{selfSigned(t, rsaKeyA(), "idp")},
		},
		Now:      func() time.Time { return t0 },
		Rand:     bytes.NewReader(bytes.Repeat([]byte{0xab}, 1024)),
		Requests: &memRequests{now: func() time.Time { return t0 }, ids: map[string]time.Time{}},
		Replay:   &memReplay{now: func() time.Time { return t0 }, ids: map[string]time.Time{}},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n%s", name, got)
	}
}

func TestMetadataGolden(t *testing.T) {
	sp, err := samlsp.New(fixedConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	md, err := sp.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "sp-metadata.xml", md)

	// It reads back as SP metadata with what an IdP needs.
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil {
		t.Fatal(err)
	}
	if len(ed.SPSSODescriptors) != 1 {
		t.Fatalf("%d SPSSODescriptors", len(ed.SPSSODescriptors))
	}
	d := ed.SPSSODescriptors[0]
	if ed.EntityID != "https://acme.quip.test/c/acme/saml/metadata" || d.WantAssertionsSigned == nil || !*d.WantAssertionsSigned {
		t.Errorf("entityID %q, WantAssertionsSigned %v", ed.EntityID, d.WantAssertionsSigned)
	}
	if len(d.AssertionConsumerServices) != 1 || d.AssertionConsumerServices[0].Binding != saml.HTTPPostBinding ||
		d.AssertionConsumerServices[0].Location != "https://acme.quip.test/c/acme/saml/acs" {
		t.Errorf("ACS %+v", d.AssertionConsumerServices)
	}
	if len(d.NameIDFormats) != 4 {
		t.Errorf("NameID formats %v", d.NameIDFormats)
	}
}

func TestLoginURL(t *testing.T) {
	cfg := fixedConfig(t)
	sp, err := samlsp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	loginURL, err := sp.LoginURL(t.Context(), "/d/1")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(loginURL)
	if err != nil {
		t.Fatal(err)
	}
	deflated, err := base64.StdEncoding.DecodeString(u.Query().Get("SAMLRequest"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(flate.NewReader(bytes.NewReader(deflated)))
	if err != nil {
		t.Fatal(err)
	}
	var req saml.AuthnRequest
	if err := xml.Unmarshal(raw, &req); err != nil {
		t.Fatal(err)
	}
	wantID := "id-" + strings.Repeat("ab", 20)
	if req.ID != wantID || !req.IssueInstant.Equal(t0) || req.Destination != cfg.IdP.SSOURL ||
		req.AssertionConsumerServiceURL != cfg.ACSURL || req.ProtocolBinding != saml.HTTPPostBinding ||
		req.Issuer == nil || req.Issuer.Value != cfg.EntityID {
		t.Errorf("AuthnRequest %s", raw)
	}
	if exp, ok := cfg.Requests.(*memRequests).ids[wantID]; !ok || !exp.Equal(t0.Add(samlsp.DefaultRequestTTL)) {
		t.Errorf("request saved until %v, %v", exp, ok)
	}
	if u.Query().Get("RelayState") != "/d/1" || u.Query().Get("Signature") != "" {
		t.Errorf("query %v", u.Query())
	}
	if _, err := sp.LoginURL(t.Context(), strings.Repeat("x", 81)); err == nil {
		t.Error("accepted a RelayState over 80 bytes")
	}
}

func TestNewValidates(t *testing.T) {
	for name, f := range map[string]func(*samlsp.Config){
		"no entity ID":     func(c *samlsp.Config) { c.EntityID = "" },
		"relative ACS":     func(c *samlsp.Config) { c.ACSURL = "/saml/acs" },
		"javascript ACS":   func(c *samlsp.Config) { c.ACSURL = "javascript:alert(1)" },
		"no IdP entity ID": func(c *samlsp.Config) { c.IdP.EntityID = "" },
		"no SSO URL":       func(c *samlsp.Config) { c.IdP.SSOURL = "" },
		"no certificates":  func(c *samlsp.Config) { c.IdP.Certificates = nil },
		"nil certificate":  func(c *samlsp.Config) { c.IdP.Certificates = []*x509.Certificate{nil} },
		"no request store": func(c *samlsp.Config) { c.Requests = nil },
		"no replay store":  func(c *samlsp.Config) { c.Replay = nil },
		"skew too large":   func(c *samlsp.Config) { c.ClockSkew = 10 * time.Minute },
		"negative skew":    func(c *samlsp.Config) { c.ClockSkew = -time.Second },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := fixedConfig(t)
			f(&cfg)
			if _, err := samlsp.New(cfg); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func certB64(c *x509.Certificate) string { return base64.StdEncoding.EncodeToString(c.Raw) }

// idpMetadataXML is IdP metadata with the given signing certificates, an
// encryption certificate that must be ignored, and POST and redirect SSO.
func idpMetadataXML(signing []*x509.Certificate, enc *x509.Certificate) string {
	var b strings.Builder
	b.WriteString(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://sso.jumpgate.test/saml2/quip">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="false">
`)
	for i, c := range signing {
		use := ` use="signing"`
		if i == 1 {
			use = "" // no use: signing and encryption
		}
		fmt.Fprintf(&b, "    <md:KeyDescriptor%s><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\n%s\n</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n", use, certB64(c))
	}
	if enc != nil {
		fmt.Fprintf(&b, "    <md:KeyDescriptor use=\"encryption\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n", certB64(enc))
	}
	b.WriteString(`    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sso.jumpgate.test/saml2/quip/post"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://sso.jumpgate.test/saml2/quip"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`)
	return b.String()
}

func TestParseIdPMetadata(t *testing.T) {
	a := selfSigned(t, rsaKeyA(), "a")
	b := selfSigned(t, ecKey(), "b")
	enc := selfSigned(t, rsaKeyB(), "enc")

	t.Run("crewjam IdP metadata, one certificate", func(t *testing.T) {
		h := newHarness(t)
		idp, err := samlsp.ParseIdPMetadata(h.idpMetadata())
		if err != nil {
			t.Fatal(err)
		}
		if idp.EntityID != h.idp.MetadataURL.String() || idp.SSOURL != h.idp.SSOURL.String() ||
			len(idp.Certificates) != 1 || !idp.Certificates[0].Equal(h.cert) {
			t.Errorf("%+v", idp)
		}
	})
	t.Run("two signing certificates, encryption one ignored", func(t *testing.T) {
		idp, err := samlsp.ParseIdPMetadata([]byte(idpMetadataXML([]*x509.Certificate{a, b, a}, enc)))
		if err != nil {
			t.Fatal(err)
		}
		if idp.EntityID != "https://sso.jumpgate.test/saml2/quip" || idp.SSOURL != "https://sso.jumpgate.test/saml2/quip" {
			t.Errorf("%+v", idp)
		}
		if len(idp.Certificates) != 2 || !idp.Certificates[0].Equal(a) || !idp.Certificates[1].Equal(b) {
			t.Errorf("%d certificates", len(idp.Certificates))
		}
	})
	t.Run("EntitiesDescriptor", func(t *testing.T) {
		one := strings.Replace(idpMetadataXML([]*x509.Certificate{a}, nil), ` xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"`, "", 1)
		sp := `<md:EntityDescriptor entityID="https://sp.test/"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>`
		doc := `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">` + sp + one + `</md:EntitiesDescriptor>`
		idp, err := samlsp.ParseIdPMetadata([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if idp.EntityID != "https://sso.jumpgate.test/saml2/quip" || len(idp.Certificates) != 1 {
			t.Errorf("%+v", idp)
		}
		if _, err := samlsp.ParseIdPMetadata([]byte(strings.Replace(doc, sp, one, 1))); err == nil {
			t.Error("accepted two IdPs")
		}
	})
	good := idpMetadataXML([]*x509.Certificate{a}, nil)
	for name, doc := range map[string]string{
		"DTD":              `<!DOCTYPE md:EntityDescriptor>` + good,
		"entity":           `<!DOCTYPE r [<!ENTITY e "https://evil.test/">]>` + strings.Replace(good, `entityID="https://sso.jumpgate.test/saml2/quip"`, `entityID="&e;"`, 1),
		"garbage":          "\x00\x01 not xml at all",
		"empty":            "",
		"HTML":             "<html><body>login</body></html>",
		"no certificate":   idpMetadataXML(nil, enc),
		"bad certificate":  strings.Replace(good, certB64(a)[:40], "AAAA", 1),
		"no redirect SSO":  strings.Replace(good, "HTTP-Redirect", "HTTP-Artifact", 1),
		"no entity ID":     strings.Replace(good, `entityID="https://sso.jumpgate.test/saml2/quip"`, `entityID=""`, 1),
		"SP metadata only": `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>`,
		"too large":        good + "<!--" + strings.Repeat("x", samlsp.MaxMetadataSize) + "-->",
	} {
		t.Run(name, func(t *testing.T) {
			idp, err := samlsp.ParseIdPMetadata([]byte(doc))
			if err == nil {
				t.Fatalf("accepted: %+v", idp)
			}
			t.Log(err)
		})
	}
}

func TestPublicErrorMessage(t *testing.T) {
	err := error(&samlsp.ResponseError{Reason: samlsp.ErrExpired, Cause: errors.New("secret detail")})
	if strings.Contains(err.Error(), "secret") || !errors.Is(err, samlsp.ErrExpired) || errors.Is(err, samlsp.ErrReplay) {
		t.Errorf("%v", err)
	}
}

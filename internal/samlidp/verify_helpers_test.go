package samlidp_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	saml2 "github.com/russellhaering/gosaml2"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
)

// certFromMetadata returns the first signing certificate the exported IdP
// metadata publishes: verifiers trust what an SP would import, nothing else.
func certFromMetadata(t testing.TB, cfg samlidp.AppConfig) *x509.Certificate {
	t.Helper()
	md, err := samlidp.Metadata(cfg)
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(md); err != nil {
		t.Fatal(err)
	}
	el := doc.FindElement("//KeyDescriptor[@use='signing']/KeyInfo/X509Data/X509Certificate")
	if el == nil {
		t.Fatal("no signing certificate in metadata")
	}
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(el.Text()))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// crewjamSP is a crewjam/saml ServiceProvider configured from our metadata.
func crewjamSP(t testing.TB, cfg samlidp.AppConfig, acs string) *saml.ServiceProvider {
	t.Helper()
	md, err := samlidp.Metadata(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil {
		t.Fatal(err)
	}
	acsURL, _ := url.Parse(acs)
	return &saml.ServiceProvider{
		EntityID:    cfg.SPEntityID,
		AcsURL:      *acsURL,
		IDPMetadata: &ed,
		Clock:       dsig.NewFakeClockAt(testNow),
	}
}

func gosaml2SP(t testing.TB, cfg samlidp.AppConfig, acs string) *saml2.SAMLServiceProvider {
	t.Helper()
	return &saml2.SAMLServiceProvider{
		IdentityProviderSSOURL:      cfg.IdPSSOURL,
		IdentityProviderIssuer:      cfg.IdPEntityID,
		AssertionConsumerServiceURL: acs,
		ServiceProviderIssuer:       cfg.SPEntityID,
		AudienceURI:                 cfg.SPEntityID,
		IDPCertificateStore:         &dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{certFromMetadata(t, cfg)}},
		Clock:                       dsig.NewFakeClockAt(testNow),
	}
}

func testSubject() samlidp.Subject {
	return samlidp.Subject{
		NameID:       "ada@example.com",
		SessionIndex: "sess-1",
		AuthnInstant: testNow.Add(-time.Minute),
		Attributes: []samlidp.Attribute{
			{Name: "Email", Values: []string{"ada@example.com"}},
			{Name: "FirstName", NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:basic", Values: []string{"Ada"}},
			{Name: "LastName", Values: []string{"Lovelace & <Byron>"}},
			{Name: "groups", Values: []string{"eng", "admins"}},
		},
	}
}

func mustResponse(t testing.TB, cfg samlidp.AppConfig, req *samlidp.AuthnRequest, subject samlidp.Subject) *samlidp.Response {
	t.Helper()
	resp, err := newIdP().MakeResponse(context.Background(), cfg, req, subject, testNow)
	if err != nil {
		t.Fatalf("MakeResponse: %v", err)
	}
	return resp
}

// signatureReferences returns, for each ds:Signature in the document, the
// ID of its parent element and its Reference URI.
func signatureReferences(t testing.TB, data []byte) map[string]string {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		for _, c := range el.ChildElements() {
			if c.Tag == "Signature" && c.NamespaceURI() == dsig.Namespace {
				ref := c.FindElement("./SignedInfo/Reference")
				if ref == nil {
					t.Fatalf("signature without Reference in %s", el.Tag)
				}
				out[el.Tag] = el.SelectAttrValue("ID", "") + "=" + ref.SelectAttrValue("URI", "")
				continue
			}
			walk(c)
		}
	}
	walk(doc.Root())
	// The root itself may hold a signature.
	return out
}

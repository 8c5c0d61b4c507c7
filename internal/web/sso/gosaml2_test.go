package sso_test

import (
	"crypto/x509"
	"testing"

	saml2 "github.com/russellhaering/gosaml2"
	dsig "github.com/russellhaering/goxmldsig"
)

// verifyGosaml2 checks a Response with gosaml2 as a second, independent SP
// implementation.
func (e *env) verifyGosaml2(t *testing.T, samlResponse string) *saml2.AssertionInfo {
	t.Helper()
	app, _ := e.cat.SSOApp(ctx, "quip")
	sp := &saml2.SAMLServiceProvider{
		IdentityProviderSSOURL:      app.Config.IdPSSOURL,
		IdentityProviderIssuer:      app.Config.IdPEntityID,
		AssertionConsumerServiceURL: app.Config.ACSURLs[0],
		ServiceProviderIssuer:       app.Config.SPEntityID,
		AudienceURI:                 app.Config.SPEntityID,
		IDPCertificateStore:         &dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{app.Config.Key.Certificate()}},
	}
	info, err := sp.RetrieveAssertionInfo(samlResponse)
	if err != nil {
		t.Fatalf("gosaml2 refuses the response: %v", err)
	}
	if info.WarningInfo.InvalidTime || info.WarningInfo.NotInAudience {
		t.Fatalf("gosaml2 warnings: %+v", info.WarningInfo)
	}
	return info
}

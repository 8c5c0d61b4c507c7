package samlidp

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"fmt"

	"github.com/crewjam/saml"
)

// SAML binding URIs.
const (
	BindingHTTPRedirect = saml.HTTPRedirectBinding
	BindingHTTPPost     = saml.HTTPPostBinding
)

// Metadata returns the IdP metadata of an application: an EntityDescriptor
// with one IDPSSODescriptor listing the signing certificate (and the next one
// during a rotation), the NameID format, and SingleSignOnService endpoints for
// HTTP-Redirect and HTTP-POST at the IdP SSO URL. WantAuthnRequestsSigned is
// set when the application has an SP certificate. The output depends only on
// cfg.
func Metadata(cfg AppConfig) ([]byte, error) {
	if err := ValidateAppConfig(cfg); err != nil {
		return nil, err
	}
	keys := []saml.KeyDescriptor{signingKeyDescriptor(cfg.Key.Certificate())}
	if next := cfg.Key.NextCertificate; next != nil && !next.Equal(cfg.Key.Certificate()) {
		keys = append(keys, signingKeyDescriptor(next))
	}
	idp := saml.IDPSSODescriptor{
		SSODescriptor: saml.SSODescriptor{
			RoleDescriptor: saml.RoleDescriptor{
				ProtocolSupportEnumeration: "urn:oasis:names:tc:SAML:2.0:protocol",
				KeyDescriptors:             keys,
			},
			NameIDFormats: []saml.NameIDFormat{saml.NameIDFormat(cfg.nameIDFormat())},
		},
		SingleSignOnServices: []saml.Endpoint{
			{Binding: BindingHTTPRedirect, Location: cfg.IdPSSOURL},
			{Binding: BindingHTTPPost, Location: cfg.IdPSSOURL},
		},
	}
	if cfg.SPCertificate != nil {
		want := true
		idp.WantAuthnRequestsSigned = &want
	}
	ed := saml.EntityDescriptor{
		EntityID:          cfg.IdPEntityID,
		IDPSSODescriptors: []saml.IDPSSODescriptor{idp},
	}
	out, err := xml.MarshalIndent(ed, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("samlidp: marshal metadata: %w", err)
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

func signingKeyDescriptor(cert *x509.Certificate) saml.KeyDescriptor {
	return saml.KeyDescriptor{
		Use: "signing",
		KeyInfo: saml.KeyInfo{X509Data: saml.X509Data{X509Certificates: []saml.X509Certificate{
			{Data: base64.StdEncoding.EncodeToString(cert.Raw)},
		}}},
	}
}

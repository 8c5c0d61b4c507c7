package samlsp

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	"github.com/crewjam/saml"
)

// MaxMetadataSize is the largest IdP metadata document ParseIdPMetadata
// reads.
const MaxMetadataSize = 1 << 20

// ParseIdPMetadata reads IdP metadata: an EntityDescriptor, or an
// EntitiesDescriptor holding exactly one entity with an IDPSSODescriptor.
// It returns the entity ID, the HTTP-Redirect SingleSignOnService location
// and every signing certificate (KeyDescriptors with use "signing" or no
// use; several are allowed for rotation, duplicates are dropped). It
// refuses documents over MaxMetadataSize, DTDs and entity declarations,
// XML that does not round-trip, and metadata without an entity ID, a
// redirect SSO URL or a signing certificate. A metadata signature is not
// checked: the document must come from a trusted channel (an admin upload).
func ParseIdPMetadata(data []byte) (IdP, error) {
	if len(data) > MaxMetadataSize {
		return IdP{}, fmt.Errorf("samlsp: metadata larger than %d bytes", MaxMetadataSize)
	}
	if err := checkXML(data, true); err != nil {
		return IdP{}, fmt.Errorf("samlsp: metadata: %w", err)
	}
	ed, err := idpEntity(data)
	if err != nil {
		return IdP{}, fmt.Errorf("samlsp: metadata: %w", err)
	}
	idp := IdP{EntityID: strings.TrimSpace(ed.EntityID)}
	if idp.EntityID == "" {
		return IdP{}, errors.New("samlsp: metadata: no entityID")
	}
	seen := map[string]bool{}
	for _, d := range ed.IDPSSODescriptors {
		for _, s := range d.SingleSignOnServices {
			if idp.SSOURL == "" && strings.TrimSpace(s.Binding) == saml.HTTPRedirectBinding {
				idp.SSOURL = strings.TrimSpace(s.Location)
			}
		}
		for _, kd := range d.KeyDescriptors {
			if kd.Use != "" && kd.Use != "signing" {
				continue
			}
			for _, c := range kd.KeyInfo.X509Data.X509Certificates {
				der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(c.Data), ""))
				if err != nil {
					return IdP{}, fmt.Errorf("samlsp: metadata: certificate base64: %w", err)
				}
				cert, err := x509.ParseCertificate(der)
				if err != nil {
					return IdP{}, fmt.Errorf("samlsp: metadata: certificate: %w", err)
				}
				if !seen[string(cert.Raw)] {
					seen[string(cert.Raw)] = true
					idp.Certificates = append(idp.Certificates, cert)
				}
			}
		}
	}
	if _, err := absoluteURL(idp.SSOURL); err != nil {
		return IdP{}, fmt.Errorf("samlsp: metadata: no usable HTTP-Redirect SingleSignOnService: %w", err)
	}
	if len(idp.Certificates) == 0 {
		return IdP{}, errors.New("samlsp: metadata: no signing certificate")
	}
	return idp, nil
}

// idpEntity returns the one entity of data that has an IDPSSODescriptor.
func idpEntity(data []byte) (*saml.EntityDescriptor, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var start xml.StartElement
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("no root element: %w", err)
		}
		if s, ok := tok.(xml.StartElement); ok {
			start = s
			break
		}
	}
	const nsMD = "urn:oasis:names:tc:SAML:2.0:metadata"
	if start.Name.Space != nsMD {
		return nil, fmt.Errorf("root element {%s}%s is not SAML metadata", start.Name.Space, start.Name.Local)
	}
	var found []*saml.EntityDescriptor
	switch start.Name.Local {
	case "EntityDescriptor":
		var ed saml.EntityDescriptor
		if err := xml.Unmarshal(data, &ed); err != nil {
			return nil, err
		}
		found = append(found, &ed)
	case "EntitiesDescriptor":
		var eds saml.EntitiesDescriptor
		if err := xml.Unmarshal(data, &eds); err != nil {
			return nil, err
		}
		var walk func(*saml.EntitiesDescriptor)
		walk = func(e *saml.EntitiesDescriptor) {
			for i := range e.EntityDescriptors {
				found = append(found, &e.EntityDescriptors[i])
			}
			for i := range e.EntitiesDescriptors {
				walk(&e.EntitiesDescriptors[i])
			}
		}
		walk(&eds)
	default:
		return nil, fmt.Errorf("root element %s is not an EntityDescriptor or EntitiesDescriptor", start.Name.Local)
	}
	var idps []*saml.EntityDescriptor
	for _, ed := range found {
		if len(ed.IDPSSODescriptors) > 0 {
			idps = append(idps, ed)
		}
	}
	if len(idps) != 1 {
		return nil, fmt.Errorf("%d identity providers found, want exactly 1", len(idps))
	}
	return idps[0], nil
}

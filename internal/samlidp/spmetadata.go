package samlidp

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"sort"
	"strings"

	"github.com/crewjam/saml"
)

// MaxSPMetadataSize bounds imported SP metadata.
const MaxSPMetadataSize = 512 << 10

// SPMetadata is what an application's configuration takes from SP metadata.
type SPMetadata struct {
	EntityID string
	// ACSURLs lists the HTTP-POST endpoints first (isDefault, then by
	// index), then the others; duplicates removed.
	ACSURLs []string
	// SigningCertificate is the SP's signing key (use="signing" or no use),
	// or nil.
	SigningCertificate *x509.Certificate
	// NameIDFormat is the first listed format this IdP supports, or "".
	NameIDFormat         NameIDFormat
	WantAssertionsSigned bool
	AuthnRequestsSigned  bool
}

// ParseSPMetadata reads an EntityDescriptor with an SPSSODescriptor (or an
// EntitiesDescriptor holding exactly one). It refuses DTDs, XML that does
// not round-trip, documents over MaxSPMetadataSize, and any
// AssertionConsumerService whose Location is not an absolute http(s) URL
// (javascript: and the like, CVE-2023-45683). Errors wrap
// ErrInvalidMetadata.
func ParseSPMetadata(data []byte) (SPMetadata, error) {
	var out SPMetadata
	if len(data) > MaxSPMetadataSize {
		return out, fmt.Errorf("%w: larger than %d bytes", ErrInvalidMetadata, MaxSPMetadataSize)
	}
	if err := checkUntrustedXML(data); err != nil {
		return out, fmt.Errorf("%w: %w", ErrInvalidMetadata, err)
	}
	ed, err := unmarshalEntity(data)
	if err != nil {
		return out, err
	}
	if err := checkEntityID("entityID", ed.EntityID); err != nil {
		return out, fmt.Errorf("%w: %w", ErrInvalidMetadata, err)
	}
	if len(ed.SPSSODescriptors) != 1 {
		return out, fmt.Errorf("%w: want one SPSSODescriptor, found %d", ErrInvalidMetadata, len(ed.SPSSODescriptors))
	}
	sp := ed.SPSSODescriptors[0]
	out.EntityID = ed.EntityID
	if sp.WantAssertionsSigned != nil {
		out.WantAssertionsSigned = *sp.WantAssertionsSigned
	}
	if sp.AuthnRequestsSigned != nil {
		out.AuthnRequestsSigned = *sp.AuthnRequestsSigned
	}

	eps := append([]saml.IndexedEndpoint(nil), sp.AssertionConsumerServices...)
	sort.SliceStable(eps, func(i, j int) bool {
		pi, pj := eps[i].Binding == BindingHTTPPost, eps[j].Binding == BindingHTTPPost
		if pi != pj {
			return pi
		}
		di, dj := eps[i].IsDefault != nil && *eps[i].IsDefault, eps[j].IsDefault != nil && *eps[j].IsDefault
		if di != dj {
			return di
		}
		return eps[i].Index < eps[j].Index
	})
	seen := map[string]bool{}
	for i, ep := range eps {
		loc := strings.TrimSpace(ep.Location)
		if err := checkHTTPURL(fmt.Sprintf("AssertionConsumerService[%d]", i), loc); err != nil {
			return SPMetadata{}, fmt.Errorf("%w: %w", ErrInvalidMetadata, err)
		}
		if !seen[loc] {
			seen[loc] = true
			out.ACSURLs = append(out.ACSURLs, loc)
		}
	}
	if len(out.ACSURLs) == 0 {
		return SPMetadata{}, fmt.Errorf("%w: no AssertionConsumerService", ErrInvalidMetadata)
	}

	for _, kd := range sp.KeyDescriptors {
		if kd.Use != "" && kd.Use != "signing" {
			continue
		}
		if len(kd.KeyInfo.X509Data.X509Certificates) == 0 {
			continue
		}
		text := strings.Join(strings.Fields(kd.KeyInfo.X509Data.X509Certificates[0].Data), "")
		der, err := base64.StdEncoding.DecodeString(text)
		if err != nil {
			return SPMetadata{}, fmt.Errorf("%w: signing certificate is not base64", ErrInvalidMetadata)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return SPMetadata{}, fmt.Errorf("%w: signing certificate: %w", ErrInvalidMetadata, err)
		}
		out.SigningCertificate = cert
		break
	}

	for _, f := range sp.NameIDFormats {
		switch nf := NameIDFormat(strings.TrimSpace(string(f))); nf {
		case NameIDEmailAddress, NameIDUnspecified, NameIDPersistent, NameIDTransient:
			out.NameIDFormat = nf
		}
		if out.NameIDFormat != "" {
			break
		}
	}
	return out, nil
}

func unmarshalEntity(data []byte) (*saml.EntityDescriptor, error) {
	var probe struct{ XMLName xml.Name }
	if err := xml.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidMetadata, err)
	}
	const md = "urn:oasis:names:tc:SAML:2.0:metadata"
	switch probe.XMLName {
	case xml.Name{Space: md, Local: "EntityDescriptor"}:
		var ed saml.EntityDescriptor
		if err := xml.Unmarshal(data, &ed); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidMetadata, err)
		}
		return &ed, nil
	case xml.Name{Space: md, Local: "EntitiesDescriptor"}:
		var eds saml.EntitiesDescriptor
		if err := xml.Unmarshal(data, &eds); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidMetadata, err)
		}
		if len(eds.EntityDescriptors) != 1 {
			return nil, fmt.Errorf("%w: EntitiesDescriptor holds %d entities, want 1", ErrInvalidMetadata, len(eds.EntityDescriptors))
		}
		return &eds.EntityDescriptors[0], nil
	}
	return nil, fmt.Errorf("%w: root element %s is not an md:EntityDescriptor", ErrInvalidMetadata, probe.XMLName.Local)
}

package samlidp_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
)

func readFileFromTestdata(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", name))
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseSPMetadata(t *testing.T) {
	md, err := samlidp.ParseSPMetadata(readTestdata(t, "sp-metadata.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if md.EntityID != testSPEntityID || strings.Join(md.ACSURLs, " ") != testACS ||
		md.NameIDFormat != samlidp.NameIDEmailAddress || !md.WantAssertionsSigned || !md.AuthnRequestsSigned {
		t.Errorf("parsed: %+v", md)
	}
	if md.SigningCertificate == nil || !md.SigningCertificate.Equal(loadCert(t, "sp")) {
		t.Error("signing certificate not the SP's (the encryption key must be skipped)")
	}

	// The import feeds a valid AppConfig.
	cfg := baseConfig(t)
	cfg.SPEntityID, cfg.ACSURLs, cfg.SPCertificate, cfg.NameIDFormat = md.EntityID, md.ACSURLs, md.SigningCertificate, md.NameIDFormat
	if err := samlidp.ValidateAppConfig(cfg); err != nil {
		t.Errorf("imported metadata gives an invalid config: %v", err)
	}
}

func TestParseSPMetadataTwoACS(t *testing.T) {
	md, err := samlidp.ParseSPMetadata(readTestdata(t, "sp-metadata-two-acs.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://example.quip.com/saml/acs", "https://example.quip.com/saml/acs2", "https://example.quip.com/saml/artifact"}
	if strings.Join(md.ACSURLs, " ") != strings.Join(want, " ") {
		t.Errorf("ACS URLs %v, want %v (HTTP-POST first, default first)", md.ACSURLs, want)
	}
	if md.EntityID != "https://Example.Quip.com/saml" {
		t.Errorf("entity ID changed: %q", md.EntityID)
	}
	if md.NameIDFormat != samlidp.NameIDPersistent || md.SigningCertificate != nil || md.WantAssertionsSigned {
		t.Errorf("parsed: %+v", md)
	}
}

func TestParseSPMetadataRefusals(t *testing.T) {
	for _, name := range []string{"sp-metadata-javascript-acs.xml", "sp-metadata-javascript-acs-mixedcase.xml", "sp-metadata-dtd.xml"} {
		if md, err := samlidp.ParseSPMetadata(readTestdata(t, name)); !errors.Is(err, samlidp.ErrInvalidMetadata) {
			t.Errorf("%s: got %+v, %v", name, md, err)
		}
	}
	good := string(readTestdata(t, "sp-metadata-two-acs.xml"))
	cases := map[string]string{
		"oversized":       good + "<!--" + strings.Repeat("x", 600<<10) + "-->",
		"not XML":         "hello",
		"IdP metadata":    strings.ReplaceAll(good, "SPSSODescriptor", "IDPSSODescriptor"),
		"no ACS":          strings.ReplaceAll(good, "AssertionConsumerService", "ArtifactResolutionService"),
		"relative ACS":    strings.Replace(good, "https://example.quip.com/saml/acs2", "/saml/acs2", 1),
		"data ACS":        strings.Replace(good, "https://example.quip.com/saml/acs2", "data:text/html;base64,PHNjcmlwdD4=", 1),
		"empty entityID":  strings.Replace(good, `entityID="https://Example.Quip.com/saml"`, `entityID=""`, 1),
		"wrong namespace": strings.Replace(good, "urn:oasis:names:tc:SAML:2.0:metadata", "urn:example", 1),
		"two roots":       good + good,
		"bad cert":        strings.Replace(string(readTestdata(t, "sp-metadata.xml")), "<ds:X509Certificate>\n", "<ds:X509Certificate>AAAA", 1),
	}
	for name, doc := range cases {
		if md, err := samlidp.ParseSPMetadata([]byte(doc)); !errors.Is(err, samlidp.ErrInvalidMetadata) {
			t.Errorf("%s: got %+v, %v", name, md, err)
		}
	}
}

package samlidp_test

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/crewjam/saml"

	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

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
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestMetadataGolden(t *testing.T) {
	cfg := baseConfig(t)
	md, err := samlidp.Metadata(cfg)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "idp-metadata.golden.xml", md)

	cfg.SPCertificate = loadCert(t, "sp")
	cfg.Key.NextCertificate = loadCert(t, "idp-next")
	cfg.NameIDFormat = samlidp.NameIDPersistent
	md2, err := samlidp.Metadata(cfg)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "idp-metadata-rotation.golden.xml", md2)
	again, _ := samlidp.Metadata(cfg)
	if !bytes.Equal(md2, again) {
		t.Error("metadata output is not deterministic")
	}
}

func TestMetadataParsesWithCrewjam(t *testing.T) {
	cfg := baseConfig(t)
	cfg.SPCertificate = loadCert(t, "sp")
	cfg.Key.NextCertificate = loadCert(t, "idp-next")
	md, err := samlidp.Metadata(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil {
		t.Fatal(err)
	}
	if ed.EntityID != testIdPEntityID || len(ed.IDPSSODescriptors) != 1 {
		t.Fatalf("entity %q with %d IDPSSODescriptors", ed.EntityID, len(ed.IDPSSODescriptors))
	}
	d := ed.IDPSSODescriptors[0]
	if d.WantAuthnRequestsSigned == nil || !*d.WantAuthnRequestsSigned {
		t.Error("WantAuthnRequestsSigned not set with an SP certificate")
	}
	if len(d.KeyDescriptors) != 2 || d.KeyDescriptors[0].Use != "signing" || d.KeyDescriptors[1].Use != "signing" {
		t.Errorf("key descriptors: %+v", d.KeyDescriptors)
	}
	bindings := map[string]string{}
	for _, s := range d.SingleSignOnServices {
		bindings[s.Binding] = s.Location
	}
	if bindings[saml.HTTPRedirectBinding] != testIdPSSOURL || bindings[saml.HTTPPostBinding] != testIdPSSOURL {
		t.Errorf("SSO services: %+v", d.SingleSignOnServices)
	}
	if len(d.NameIDFormats) != 1 || d.NameIDFormats[0] != saml.NameIDFormat(samlidp.NameIDEmailAddress) {
		t.Errorf("NameID formats: %v", d.NameIDFormats)
	}

	cfg.SPCertificate = nil
	md, _ = samlidp.Metadata(cfg)
	if bytes.Contains(md, []byte("WantAuthnRequestsSigned")) {
		t.Error("WantAuthnRequestsSigned set without an SP certificate")
	}
}

func TestMetadataRefusesInvalidConfig(t *testing.T) {
	cfg := baseConfig(t)
	cfg.IdPSSOURL = "javascript:alert(1)"
	if _, err := samlidp.Metadata(cfg); err == nil {
		t.Fatal("metadata made for an invalid config")
	}
}

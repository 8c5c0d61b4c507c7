package samlidp_test

import (
	"crypto/rand"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
)

// testNow is the fixed clock of the tests; the testdata certificates are
// valid for a century from their creation.
var testNow = time.Date(2027, 11, 29, 3, 0, 0, 0, time.UTC)

func loadKey(t testing.TB, name string) *samlidp.KeyPair {
	t.Helper()
	crt, err := os.ReadFile(filepath.Join("testdata", name+".crt"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join("testdata", name+".key"))
	if err != nil {
		t.Fatal(err)
	}
	kp, err := samlidp.ParseKeyPair(crt, key)
	if err != nil {
		t.Fatalf("ParseKeyPair(%s): %v", name, err)
	}
	return kp
}

func loadCert(t testing.TB, name string) *x509.Certificate {
	t.Helper()
	crt, err := os.ReadFile(filepath.Join("testdata", name+".crt"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := samlidp.ParseCertificatePEM(crt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const (
	testIdPEntityID = "https://sso.jumpgate.test/saml2/quip"
	testIdPSSOURL   = "https://sso.jumpgate.test/saml2/quip"
	testSPEntityID  = "https://example.quip.com"
	testACS         = "https://example.quip.com/saml/acs"
	testACS2        = "https://example.quip.com/saml/acs2"
)

func baseConfig(t testing.TB) samlidp.AppConfig {
	t.Helper()
	return samlidp.AppConfig{
		IdPEntityID: testIdPEntityID,
		IdPSSOURL:   testIdPSSOURL,
		SPEntityID:  testSPEntityID,
		ACSURLs:     []string{testACS, testACS2},
		Key:         loadKey(t, "idp-rsa2048"),
	}
}

func newIdP() *samlidp.IdP { return &samlidp.IdP{Rand: rand.Reader} }

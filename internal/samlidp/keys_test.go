package samlidp_test

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
)

func TestGenerateKeyRoundTrip(t *testing.T) {
	for _, alg := range []samlidp.KeyAlgorithm{"", samlidp.RSA2048, samlidp.RSA3072, samlidp.ECDSAP256} {
		t.Run(string(alg), func(t *testing.T) {
			kp, err := samlidp.GenerateKey(alg, "jumpgate quip", 365*24*time.Hour, testNow, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			cert := kp.Certificate()
			if cert.Subject.CommonName != "jumpgate quip" {
				t.Errorf("CN = %q", cert.Subject.CommonName)
			}
			if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
				t.Errorf("not self-signed: %v", err)
			}
			if got, want := samlidp.CertificateExpiry(cert), testNow.Add(365*24*time.Hour).Truncate(time.Second); !got.Equal(want) {
				t.Errorf("expiry %v, want %v", got, want)
			}
			switch k := kp.Signer.Public().(type) {
			case *rsa.PublicKey:
				want := 2048
				if alg == samlidp.RSA3072 {
					want = 3072
				}
				if k.N.BitLen() != want {
					t.Errorf("RSA bits %d, want %d", k.N.BitLen(), want)
				}
			case *ecdsa.PublicKey:
				if alg != samlidp.ECDSAP256 || k.Curve.Params().Name != "P-256" {
					t.Errorf("unexpected EC key for %q", alg)
				}
			}
			keyPEM, err := kp.PrivateKeyPEM()
			if err != nil {
				t.Fatal(err)
			}
			back, err := samlidp.ParseKeyPair(kp.CertificatePEM(), keyPEM)
			if err != nil {
				t.Fatalf("ParseKeyPair of own output: %v", err)
			}
			if !back.Certificate().Equal(cert) {
				t.Error("certificate changed in PEM round trip")
			}
		})
	}
}

func TestGenerateKeyRefusesBadInput(t *testing.T) {
	if _, err := samlidp.GenerateKey("dsa", "x", time.Hour, testNow, rand.Reader); !errors.Is(err, samlidp.ErrInvalidKey) {
		t.Errorf("unknown algorithm: %v", err)
	}
	if _, err := samlidp.GenerateKey("", "x", 0, testNow, rand.Reader); !errors.Is(err, samlidp.ErrInvalidKey) {
		t.Errorf("zero validity: %v", err)
	}
}

func TestParseKeyPairMismatch(t *testing.T) {
	crt, _ := os.ReadFile(filepath.Join("testdata", "idp-rsa2048.crt"))
	otherKey, _ := os.ReadFile(filepath.Join("testdata", "idp-next.key"))
	if _, err := samlidp.ParseKeyPair(crt, otherKey); !errors.Is(err, samlidp.ErrInvalidKey) {
		t.Errorf("mismatched key accepted: %v", err)
	}
	if _, err := samlidp.ParseKeyPair([]byte("not pem"), otherKey); !errors.Is(err, samlidp.ErrInvalidKey) {
		t.Errorf("garbage certificate accepted: %v", err)
	}
	if _, err := samlidp.ParseKeyPair(crt, []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")); !errors.Is(err, samlidp.ErrInvalidKey) {
		t.Errorf("garbage key accepted: %v", err)
	}
	ecCrt, _ := os.ReadFile(filepath.Join("testdata", "idp-ecp256.crt"))
	rsaKey, _ := os.ReadFile(filepath.Join("testdata", "idp-rsa2048.key"))
	if _, err := samlidp.ParseKeyPair(ecCrt, rsaKey); !errors.Is(err, samlidp.ErrInvalidKey) {
		t.Errorf("RSA key with EC certificate accepted: %v", err)
	}
}

func TestExpiryWarning(t *testing.T) {
	kp, err := samlidp.GenerateKey(samlidp.ECDSAP256, "x", 100*24*time.Hour, testNow, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cert := kp.Certificate()
	exp := samlidp.CertificateExpiry(cert)
	cases := []struct {
		before time.Duration
		want   samlidp.ExpiryStage
	}{
		{61 * 24 * time.Hour, samlidp.ExpiryOK},
		{60 * 24 * time.Hour, samlidp.ExpiryIn60Days},
		{31 * 24 * time.Hour, samlidp.ExpiryIn60Days},
		{30 * 24 * time.Hour, samlidp.ExpiryIn30Days},
		{7 * 24 * time.Hour, samlidp.ExpiryIn7Days},
		{25 * time.Hour, samlidp.ExpiryIn7Days},
		{24 * time.Hour, samlidp.ExpiryIn24Hours},
		{time.Second, samlidp.ExpiryIn24Hours},
		{0, samlidp.Expired},
		{-time.Hour, samlidp.Expired},
	}
	for _, c := range cases {
		got, left := samlidp.ExpiryWarning(cert, exp.Add(-c.before))
		if got != c.want || left != c.before {
			t.Errorf("%v before expiry: %v (%v left), want %v", c.before, got, left, c.want)
		}
	}
}

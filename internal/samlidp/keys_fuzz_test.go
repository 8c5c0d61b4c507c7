package samlidp_test

import (
	"crypto"
	"crypto/rand"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
)

// FuzzParseKeyPair feeds arbitrary certificate and key PEM (what an admin
// uploads as an application's own signing key) to the parsers: none may
// panic, and an accepted pair has a certificate and a key that match.
func FuzzParseKeyPair(f *testing.F) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, alg := range []samlidp.KeyAlgorithm{samlidp.RSA2048, samlidp.ECDSAP256} {
		kp, err := samlidp.GenerateKey(alg, "fuzz", time.Hour, now, rand.Reader)
		if err != nil {
			f.Fatal(err)
		}
		keyPEM, err := kp.PrivateKeyPEM()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(kp.CertificatePEM(), keyPEM)
		f.Add(keyPEM, kp.CertificatePEM())
	}
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), []byte("-----BEGIN EC PRIVATE KEY-----\nMAA=\n-----END EC PRIVATE KEY-----\n"))
	f.Add([]byte(""), []byte("-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, certPEM, keyPEM []byte) {
		_, _ = samlidp.ParseCertificatesPEM(certPEM)
		_, _ = samlidp.ParseCertificatePEM(certPEM)
		_, _ = samlidp.ParsePrivateKeyPEM(keyPEM)
		kp, err := samlidp.ParseKeyPair(certPEM, keyPEM)
		if err != nil {
			return
		}
		if kp.Signer == nil || len(kp.Chain) == 0 {
			t.Fatalf("accepted a pair without a key or certificate: %+v", kp)
		}
		pub, ok := kp.Signer.Public().(interface{ Equal(crypto.PublicKey) bool })
		if !ok || !pub.Equal(kp.Chain[0].PublicKey) {
			t.Fatal("accepted a key that does not match its certificate")
		}
	})
}

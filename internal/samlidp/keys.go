package samlidp

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	cryptorand "crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"
)

// KeyAlgorithm selects the kind of key GenerateKey makes.
type KeyAlgorithm string

// Key algorithms. The zero value means RSA2048.
const (
	RSA2048   KeyAlgorithm = "rsa2048"
	RSA3072   KeyAlgorithm = "rsa3072"
	ECDSAP256 KeyAlgorithm = "ecdsa-p256"
)

// KeyPair is an application's signing key: the private key, its certificate
// (Chain[0]) with any intermediates, and optionally the certificate that will
// replace it, published in metadata during a rotation.
type KeyPair struct {
	Signer          crypto.Signer
	Chain           []*x509.Certificate // Chain[0] is the signing certificate
	NextCertificate *x509.Certificate   // optional, metadata only
}

// Certificate returns the signing certificate (Chain[0]) or nil.
func (k *KeyPair) Certificate() *x509.Certificate {
	if k == nil || len(k.Chain) == 0 {
		return nil
	}
	return k.Chain[0]
}

// GenerateKey makes a new key and a self-signed certificate for it valid
// from now for validity. rand supplies the certificate serial number (Go's
// crypto packages draw key material from their own secure source).
func GenerateKey(alg KeyAlgorithm, commonName string, validity time.Duration, now time.Time, rand io.Reader) (*KeyPair, error) {
	if validity <= 0 {
		return nil, fmt.Errorf("%w: validity must be positive", ErrInvalidKey)
	}
	if commonName == "" {
		return nil, fmt.Errorf("%w: common name is empty", ErrInvalidKey)
	}
	if rand == nil {
		rand = cryptorand.Reader
	}
	var signer crypto.Signer
	var err error
	switch alg {
	case "", RSA2048:
		signer, err = rsa.GenerateKey(rand, 2048)
	case RSA3072:
		signer, err = rsa.GenerateKey(rand, 3072)
	case ECDSAP256:
		signer, err = ecdsa.GenerateKey(elliptic.P256(), rand)
	default:
		return nil, fmt.Errorf("%w: unknown key algorithm %q", ErrInvalidKey, alg)
	}
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	serial, err := randomSerial(rand)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             now.Add(-time.Minute).UTC().Truncate(time.Second),
		NotAfter:              now.Add(validity).UTC().Truncate(time.Second),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand, tmpl, tmpl, signer.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse generated certificate: %w", err)
	}
	return &KeyPair{Signer: signer, Chain: []*x509.Certificate{cert}}, nil
}

func randomSerial(rand io.Reader) (*big.Int, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(rand, b); err != nil {
		return nil, fmt.Errorf("serial number: %w", err)
	}
	b[0] &= 0x7f
	b[0] |= 0x40 // positive, 127 bits, never zero
	return new(big.Int).SetBytes(b), nil
}

// ParseKeyPair reads a PEM certificate chain (signing certificate first) and
// a PEM private key (PKCS#8, PKCS#1 or SEC 1) and checks that they match.
func ParseKeyPair(certPEM, keyPEM []byte) (*KeyPair, error) {
	chain, err := ParseCertificatesPEM(certPEM)
	if err != nil {
		return nil, err
	}
	signer, err := ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, err
	}
	kp := &KeyPair{Signer: signer, Chain: chain}
	if err := checkKeyMatches(kp); err != nil {
		return nil, err
	}
	return kp, nil
}

func checkKeyMatches(kp *KeyPair) error {
	if kp == nil || kp.Signer == nil || len(kp.Chain) == 0 || kp.Chain[0] == nil {
		return fmt.Errorf("%w: key and certificate are required", ErrInvalidKey)
	}
	switch k := kp.Signer.(type) { // a typed nil would panic in Public()
	case *rsa.PrivateKey:
		if k == nil {
			return fmt.Errorf("%w: nil RSA key", ErrInvalidKey)
		}
	case *ecdsa.PrivateKey:
		if k == nil {
			return fmt.Errorf("%w: nil EC key", ErrInvalidKey)
		}
	}
	pub, ok := kp.Signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(kp.Chain[0].PublicKey) {
		return fmt.Errorf("%w: private key does not match the certificate", ErrInvalidKey)
	}
	switch k := kp.Signer.Public().(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return fmt.Errorf("%w: RSA key has %d bits, need at least 2048", ErrInvalidKey, k.N.BitLen())
		}
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() && k.Curve != elliptic.P521() {
			return fmt.Errorf("%w: unsupported elliptic curve", ErrInvalidKey)
		}
	default:
		return fmt.Errorf("%w: unsupported key type %T", ErrInvalidKey, k)
	}
	return nil
}

// ParseCertificatesPEM reads one or more PEM "CERTIFICATE" blocks.
func ParseCertificatesPEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: no PEM certificate found", ErrInvalidKey)
	}
	return certs, nil
}

// ParseCertificatePEM reads exactly the first PEM certificate.
func ParseCertificatePEM(data []byte) (*x509.Certificate, error) {
	certs, err := ParseCertificatesPEM(data)
	if err != nil {
		return nil, err
	}
	return certs[0], nil
}

// ParsePrivateKeyPEM reads a PKCS#8, PKCS#1 ("RSA PRIVATE KEY") or SEC 1
// ("EC PRIVATE KEY") private key.
func ParsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM private key found", ErrInvalidKey)
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%w: unsupported PEM block %q", ErrInvalidKey, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		return k, nil
	default:
		return nil, fmt.Errorf("%w: unsupported private key type %T", ErrInvalidKey, key)
	}
}

// EncodeCertificatePEM returns the PEM encoding of certs, in order.
func EncodeCertificatePEM(certs ...*x509.Certificate) []byte {
	var buf bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return buf.Bytes()
}

// EncodePrivateKeyPEM returns the PKCS#8 PEM encoding of key.
func EncodePrivateKeyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// CertificatePEM returns the PEM encoding of the chain.
func (k *KeyPair) CertificatePEM() []byte { return EncodeCertificatePEM(k.Chain...) }

// PrivateKeyPEM returns the PKCS#8 PEM encoding of the private key.
func (k *KeyPair) PrivateKeyPEM() ([]byte, error) {
	if k == nil || k.Signer == nil {
		return nil, errors.New("samlidp: no private key")
	}
	return EncodePrivateKeyPEM(k.Signer)
}

// CertificateExpiry returns when cert stops being valid.
func CertificateExpiry(cert *x509.Certificate) time.Time { return cert.NotAfter }

// ExpiryStage is how close a certificate is to expiry, following the
// warnings JumpCloud sends: 60 days, 30 days, 7 days and 24 hours before.
type ExpiryStage int

// Expiry stages, from least to most urgent.
const (
	ExpiryOK        ExpiryStage = iota // more than 60 days left
	ExpiryIn60Days                     // at most 60 days left
	ExpiryIn30Days                     // at most 30 days left
	ExpiryIn7Days                      // at most 7 days left
	ExpiryIn24Hours                    // at most 24 hours left
	Expired                            // NotAfter has passed
)

// ExpiryWarningWindow is how long before expiry warnings start.
const ExpiryWarningWindow = 60 * 24 * time.Hour

func (s ExpiryStage) String() string {
	switch s {
	case ExpiryOK:
		return "ok"
	case ExpiryIn60Days:
		return "expires within 60 days"
	case ExpiryIn30Days:
		return "expires within 30 days"
	case ExpiryIn7Days:
		return "expires within 7 days"
	case ExpiryIn24Hours:
		return "expires within 24 hours"
	case Expired:
		return "expired"
	}
	return fmt.Sprintf("ExpiryStage(%d)", int(s))
}

// ExpiryWarning tells how close cert is to expiry at now and how much time
// is left (negative once expired). Callers warn when the stage is not
// ExpiryOK and remember the last stage warned about.
func ExpiryWarning(cert *x509.Certificate, now time.Time) (ExpiryStage, time.Duration) {
	left := cert.NotAfter.Sub(now)
	switch {
	case left <= 0:
		return Expired, left
	case left <= 24*time.Hour:
		return ExpiryIn24Hours, left
	case left <= 7*24*time.Hour:
		return ExpiryIn7Days, left
	case left <= 30*24*time.Hour:
		return ExpiryIn30Days, left
	case left <= ExpiryWarningWindow:
		return ExpiryIn60Days, left
	}
	return ExpiryOK, left
}

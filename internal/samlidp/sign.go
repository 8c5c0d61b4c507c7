package samlidp

import (
	"crypto"
	"crypto/ecdsa"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// signingContext returns a goxmldsig signing context for cfg: exclusive
// C14N with an empty prefix list (the output needs none: attribute values
// are untyped), the configured signature method, the certificate chain in
// KeyInfo.
func signingContext(cfg *AppConfig) (*dsig.SigningContext, error) {
	signer := cfg.Key.Signer
	if pub, ok := signer.Public().(*ecdsa.PublicKey); ok && !cfg.ECDSASignatureASN1 {
		signer = rawECDSASigner{Signer: signer, size: (pub.Curve.Params().BitSize + 7) / 8}
	}
	certs := make([][]byte, len(cfg.Key.Chain))
	for i, c := range cfg.Key.Chain {
		certs[i] = c.Raw
	}
	ctx, err := dsig.NewSigningContext(signer, certs)
	if err != nil {
		return nil, fmt.Errorf("samlidp: signing context: %w", err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(string(cfg.signatureAlgorithm())); err != nil {
		return nil, fmt.Errorf("samlidp: signature method: %w", err)
	}
	return ctx, nil
}

// signInPlace adds an enveloped signature over el (whose ID attribute the
// Reference names) as the child after its Issuer, as the SAML schema wants.
func signInPlace(ctx *dsig.SigningContext, el *etree.Element) error {
	sig, err := ctx.ConstructSignature(el, true)
	if err != nil {
		return fmt.Errorf("samlidp: sign %s: %w", el.Tag, err)
	}
	pos := 0
	for i, c := range el.Child {
		if ce, ok := c.(*etree.Element); ok && ce.Tag == "Issuer" {
			pos = i + 1
			break
		}
	}
	el.InsertChildAt(pos, sig)
	return nil
}

// rawECDSASigner turns the ASN.1 DER signatures of an ECDSA crypto.Signer
// into the fixed-size r||s octets XML-DSig 1.1 (RFC 4051) requires.
type rawECDSASigner struct {
	crypto.Signer
	size int
}

func (s rawECDSASigner) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	der, err := s.Signer.Sign(rand, digest, opts)
	if err != nil {
		return nil, err
	}
	return ecdsaDERToRaw(der, s.size)
}

func ecdsaDERToRaw(der []byte, size int) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) != 0 || sig.R == nil || sig.S == nil {
		return nil, errors.New("samlidp: malformed ECDSA signature")
	}
	out := make([]byte, 2*size)
	sig.R.FillBytes(out[:size])
	sig.S.FillBytes(out[size:])
	return out, nil
}

// ecdsaRawToDER converts r||s octets to ASN.1 DER for crypto/ecdsa.
func ecdsaRawToDER(raw []byte) ([]byte, error) {
	if len(raw) == 0 || len(raw)%2 != 0 {
		return nil, errors.New("samlidp: malformed ECDSA signature")
	}
	h := len(raw) / 2
	return asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:h]), new(big.Int).SetBytes(raw[h:])})
}

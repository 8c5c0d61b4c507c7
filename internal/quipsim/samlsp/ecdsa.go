package samlsp

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// verifier is the crewjam/saml SignedElementVerifier of this package. It
// checks a signature with each configured IdP certificate in turn, as
// crewjam does itself, and additionally accepts ECDSA signature values in
// the r||s form XML-DSig 1.1 specifies (and Jumpgate's IdP, xmlsec1 and
// Shibboleth write), which goxmldsig alone refuses: it only verifies ASN.1
// DER (goxmldsig issue #163). The r||s value is re-encoded as DER and
// verified again with the same key over the same SignedInfo, so nothing
// else about the check changes. DER values are verified first, unchanged.
type verifier struct{}

func (verifier) VerifySignature(ctx *dsig.ValidationContext, el *etree.Element) error {
	_, err := verifier{}.VerifySignedElement(ctx, el)
	return err
}

func (verifier) VerifySignedElement(base *dsig.ValidationContext, el *etree.Element) (*etree.Element, error) {
	roots, err := base.CertificateStore.Certificates()
	if err != nil {
		return nil, err
	}
	candidates := []*etree.Element{el}
	if der := rawECDSAAsDER(el); der != nil {
		candidates = append(candidates, der)
	}
	lastErr := errors.New("no certificate to verify with")
	for _, cand := range candidates {
		for _, root := range roots {
			ctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{root}})
			ctx.IdAttribute = base.IdAttribute
			ctx.Clock = base.Clock
			signed, err := ctx.Validate(cand)
			if err == nil {
				return signed, nil
			}
			lastErr = err
		}
	}
	return nil, lastErr
}

// rawECDSAAsDER returns a copy of el whose ECDSA SignatureValue, if it is
// an r||s value for P-256, P-384 or P-521, is re-encoded as ASN.1 DER; or
// nil if el has no such signature.
func rawECDSAAsDER(el *etree.Element) *etree.Element {
	sig := child(el, "Signature")
	if sig == nil {
		return nil
	}
	method := child(child(sig, "SignedInfo"), "SignatureMethod")
	if method == nil || !strings.HasPrefix(method.SelectAttrValue("Algorithm", ""), "http://www.w3.org/2001/04/xmldsig-more#ecdsa-") {
		return nil
	}
	value := child(sig, "SignatureValue")
	if value == nil {
		return nil
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(value.Text()), ""))
	if err != nil {
		return nil
	}
	switch len(raw) {
	case 64, 96, 132:
	default:
		return nil
	}
	half := len(raw) / 2
	der, err := asn1.Marshal(struct{ R, S *big.Int }{
		new(big.Int).SetBytes(raw[:half]), new(big.Int).SetBytes(raw[half:]),
	})
	if err != nil {
		return nil
	}
	cp := el.Copy()
	child(child(cp, "Signature"), "SignatureValue").SetText(base64.StdEncoding.EncodeToString(der))
	return cp
}

// child returns the first child element of el in the XML-DSig namespace
// named tag, or nil.
func child(el *etree.Element, tag string) *etree.Element {
	if el == nil {
		return nil
	}
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == nsDSig {
			return c
		}
	}
	return nil
}

package samlidp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"

	dsig "github.com/russellhaering/goxmldsig"
)

// verifyRedirectSignature checks the HTTP-Redirect binding signature
// (saml-bindings §3.4.4.1): Signature over the octets
// "SAMLRequest=…&RelayState=…&SigAlg=…" exactly as they appear, still
// URL-encoded, in the received query string. RSA-SHA1 is accepted only when
// the application explicitly uses RSA-SHA1.
func verifyRedirectSignature(rawQuery string, cfg *AppConfig) error {
	params := map[string]string{}
	for _, part := range strings.Split(rawQuery, "&") {
		name, value, _ := strings.Cut(part, "=")
		switch name {
		case "SAMLRequest", "RelayState", "SigAlg", "Signature":
			if _, dup := params[name]; dup {
				return fmt.Errorf("%w: repeated %s", ErrMalformedRequest, name)
			}
			params[name] = value
		}
	}
	rawAlg, hasAlg := params["SigAlg"]
	rawSig, hasSig := params["Signature"]
	if !hasAlg || !hasSig {
		return fmt.Errorf("%w: the application requires signed AuthnRequests", ErrSignature)
	}
	signed := "SAMLRequest=" + params["SAMLRequest"]
	if rs, ok := params["RelayState"]; ok {
		signed += "&RelayState=" + rs
	}
	signed += "&SigAlg=" + rawAlg

	alg, err := url.QueryUnescape(rawAlg)
	if err != nil {
		return fmt.Errorf("%w: SigAlg: %w", ErrSignature, err)
	}
	sigText, err := url.QueryUnescape(rawSig)
	if err != nil {
		return fmt.Errorf("%w: Signature: %w", ErrSignature, err)
	}
	sig, err := base64.StdEncoding.DecodeString(sigText)
	if err != nil {
		return fmt.Errorf("%w: Signature is not base64", ErrSignature)
	}
	return verifyDetached(alg, []byte(signed), sig, cfg)
}

func verifyDetached(alg string, content, sig []byte, cfg *AppConfig) error {
	var hash crypto.Hash
	var wantRSA bool
	switch alg {
	case dsig.RSASHA256SignatureMethod:
		hash, wantRSA = crypto.SHA256, true
	case dsig.RSASHA384SignatureMethod:
		hash, wantRSA = crypto.SHA384, true
	case dsig.RSASHA512SignatureMethod:
		hash, wantRSA = crypto.SHA512, true
	case dsig.RSASHA1SignatureMethod:
		if cfg.Signature != RSASHA1 {
			return fmt.Errorf("%w: RSA-SHA1 is refused unless the application uses RSA-SHA1", ErrSignature)
		}
		hash, wantRSA = crypto.SHA1, true
	case dsig.ECDSASHA256SignatureMethod:
		hash = crypto.SHA256
	case dsig.ECDSASHA384SignatureMethod:
		hash = crypto.SHA384
	case dsig.ECDSASHA512SignatureMethod:
		hash = crypto.SHA512
	default:
		return fmt.Errorf("%w: unsupported SigAlg %q", ErrSignature, alg)
	}
	h := hash.New()
	h.Write(content)
	digest := h.Sum(nil)
	switch pub := cfg.SPCertificate.PublicKey.(type) {
	case *rsa.PublicKey:
		if !wantRSA {
			return fmt.Errorf("%w: SigAlg %q does not fit the SP's RSA key", ErrSignature, alg)
		}
		if err := rsa.VerifyPKCS1v15(pub, hash, digest, sig); err != nil {
			return fmt.Errorf("%w: %w", ErrSignature, err)
		}
		return nil
	case *ecdsa.PublicKey:
		if wantRSA {
			return fmt.Errorf("%w: SigAlg %q does not fit the SP's EC key", ErrSignature, alg)
		}
		der := sig
		if size := (pub.Curve.Params().BitSize + 7) / 8; len(sig) == 2*size {
			var err error
			if der, err = ecdsaRawToDER(sig); err != nil {
				return fmt.Errorf("%w: %w", ErrSignature, err)
			}
		}
		if !ecdsa.VerifyASN1(pub, digest, der) {
			return fmt.Errorf("%w: ECDSA verification failed", ErrSignature)
		}
		return nil
	}
	return fmt.Errorf("%w: unsupported SP key type %T", ErrSignature, cfg.SPCertificate.PublicKey)
}

package samlsp_test

import (
	"encoding/asn1"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/jumpgate-idp/jumpgate/internal/quipsim/samlsp"
)

// rawECDSA rewrites every ECDSA SignatureValue of a SAMLResponse from ASN.1
// DER (what goxmldsig writes) to the r||s form of XML-DSig 1.1 (what
// Jumpgate's IdP and xmlsec1 write). flip also corrupts the value.
func rawECDSA(t *testing.T, samlResponse string, flip bool) string {
	t.Helper()
	return rewrite(t, samlResponse, func(r *etree.Element) {
		for _, v := range r.FindElements("//SignatureValue") {
			der, err := base64.StdEncoding.DecodeString(v.Text())
			if err != nil {
				t.Fatal(err)
			}
			var sig struct{ R, S *big.Int }
			if _, err := asn1.Unmarshal(der, &sig); err != nil {
				t.Fatal(err)
			}
			raw := make([]byte, 64)
			sig.R.FillBytes(raw[:32])
			sig.S.FillBytes(raw[32:])
			if flip {
				raw[40] ^= 1
			}
			v.SetText(base64.StdEncoding.EncodeToString(raw))
		}
	})
}

func TestECDSARawSignatureValue(t *testing.T) {
	for name, mode := range map[string]signMode{"assertion": signAssertion, "response": signResponse} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, withIdPKey(ecKey(), dsig.ECDSASHA256SignatureMethod))
			resp, _ := h.spInitiated("")
			signed := editWith(t, resp, mode, ecKey(), h.cert, dsig.ECDSASHA256SignatureMethod, nil)
			if !strings.Contains(decode(t, signed), "ecdsa-sha256") {
				t.Fatal("not signed with ECDSA")
			}
			raw := rawECDSA(t, signed, false)
			login, err := h.acs(raw)
			if err != nil {
				t.Fatalf("r||s signature rejected: %s", detail(err))
			}
			checkAlice(t, login)
		})
		t.Run(name+" corrupted", func(t *testing.T) {
			h := newHarness(t, withIdPKey(ecKey(), dsig.ECDSASHA256SignatureMethod))
			resp, _ := h.spInitiated("")
			signed := editWith(t, resp, mode, ecKey(), h.cert, dsig.ECDSASHA256SignatureMethod, nil)
			login, err := h.acs(rawECDSA(t, signed, true))
			mustReject(t, login, err, samlsp.ErrBadSignature)
		})
	}
}

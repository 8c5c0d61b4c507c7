package samlidp_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
	"github.com/jumpgate-idp/jumpgate/internal/testenv"
)

// xmlsecVerify runs xmlsec1 with the IdP key pinned to the certificate from
// the exported metadata (KeyInfo in the document is not trusted) and the ID
// attribute of the element declared.
func xmlsecVerify(t *testing.T, xmlsec string, cfg samlidp.AppConfig, doc []byte, idAttr string) error {
	t.Helper()
	dir := t.TempDir()
	crt := filepath.Join(dir, "idp.crt")
	if err := os.WriteFile(crt, samlidp.EncodeCertificatePEM(certFromMetadata(t, cfg)), 0o600); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "resp.xml")
	if err := os.WriteFile(in, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(xmlsec, "--verify", "--pubkey-cert-pem", crt, "--enabled-key-data", "key-name",
		"--id-attr:ID", idAttr, in).CombinedOutput()
	if err != nil {
		return &xmlsecError{out: string(out), err: err}
	}
	if !strings.Contains(string(out), "OK") {
		return &xmlsecError{out: string(out)}
	}
	return nil
}

type xmlsecError struct {
	out string
	err error
}

func (e *xmlsecError) Error() string { return "xmlsec1: " + strings.TrimSpace(e.out) }

const (
	assertionIDAttr = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"
	responseIDAttr  = "urn:oasis:names:tc:SAML:2.0:protocol:Response"
)

// assertionOnly returns the Response with the Response signature removed,
// so that xmlsec1 (which checks the first ds:Signature only) checks the
// Assertion's.
func assertionOnly(t *testing.T, resp *samlidp.Response) []byte {
	t.Helper()
	x := resp.XML()
	start := bytes.Index(x, []byte("<ds:Signature"))
	assertionStart := bytes.Index(x, []byte("<saml:Assertion"))
	if start < 0 || start > assertionStart {
		return x // the first signature is already the assertion's
	}
	end := bytes.Index(x, []byte("</ds:Signature>")) + len("</ds:Signature>")
	return append(append([]byte{}, x[:start]...), x[end:]...)
}

func TestXMLSecVerifiesResponses(t *testing.T) {
	xmlsec := testenv.Command(t, "xmlsec1")
	cases := []keyCase{
		{"rsa2048", "idp-rsa2048", "", false},
		{"rsa3072", "idp-rsa3072", "", false},
		{"rsa2048-sha1", "idp-rsa2048", samlidp.RSASHA1, false},
		{"ecdsa-p256", "idp-ecp256", "", false},
	}
	for _, kc := range cases {
		for _, mode := range signModes {
			t.Run(kc.name+"/"+string(mode), func(t *testing.T) {
				cfg := baseConfig(t)
				cfg.Key = loadKey(t, kc.key)
				cfg.Signature = kc.alg
				cfg.Sign = mode
				req := &samlidp.AuthnRequest{ID: "_req-1", SPEntityID: testSPEntityID, ACSURL: testACS}
				resp := mustResponse(t, cfg, req, testSubject())
				checkSignatureShape(t, resp, mode)
				checkAlgorithms(t, resp.XML(), kc)
				if mode != samlidp.SignResponse {
					if err := xmlsecVerify(t, xmlsec, cfg, assertionOnly(t, resp), assertionIDAttr); err != nil {
						t.Fatalf("assertion signature: %v", err)
					}
				}
				if mode != samlidp.SignAssertion {
					if err := xmlsecVerify(t, xmlsec, cfg, resp.XML(), responseIDAttr); err != nil {
						t.Fatalf("response signature: %v", err)
					}
				}
				// Tampering is detected: change the NameID.
				forged := bytes.Replace(resp.XML(), []byte("ada@example.com</saml:NameID>"), []byte("eve@example.com</saml:NameID>"), 1)
				attr := responseIDAttr
				if mode == samlidp.SignAssertion {
					attr = assertionIDAttr
				}
				if err := xmlsecVerify(t, xmlsec, cfg, forged, attr); err == nil {
					t.Fatal("xmlsec1 accepted a tampered response")
				}
				// A different key (not the one in metadata) is refused even
				// though the document's KeyInfo carries its certificate.
				other := cfg
				other.Key = loadKey(t, "idp-next")
				other.Signature = ""
				if err := xmlsecVerify(t, xmlsec, other, resp.XML(), attr); err == nil {
					t.Fatal("xmlsec1 accepted a signature by a key the metadata does not publish")
				}
			})
		}
	}
}

func checkAlgorithms(t *testing.T, x []byte, kc keyCase) {
	t.Helper()
	var sig, digest string
	switch {
	case kc.alg == samlidp.RSASHA1:
		sig, digest = "http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#sha1"
	case kc.key == "idp-ecp256":
		sig, digest = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", "http://www.w3.org/2001/04/xmlenc#sha256"
	default:
		sig, digest = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2001/04/xmlenc#sha256"
	}
	if !bytes.Contains(x, []byte(`SignatureMethod Algorithm="`+sig+`"`)) || !bytes.Contains(x, []byte(`DigestMethod Algorithm="`+digest+`"`)) {
		t.Errorf("want SignatureMethod %s and DigestMethod %s", sig, digest)
	}
	if kc.alg != samlidp.RSASHA1 && bytes.Contains(x, []byte("sha1")) {
		t.Error("SHA-1 used without being chosen")
	}
}

// TestECDSASignatureEncoding shows why AppConfig.ECDSASignatureASN1 exists:
// the XML-DSig r||s encoding (the default) verifies with xmlsec1, the ASN.1
// DER encoding verifies with goxmldsig-based service providers.
func TestECDSASignatureEncoding(t *testing.T) {
	xmlsec := testenv.Command(t, "xmlsec1")
	cfg := baseConfig(t)
	cfg.Key = loadKey(t, "idp-ecp256")
	resp := mustResponse(t, cfg, nil, testSubject())
	if err := xmlsecVerify(t, xmlsec, cfg, resp.XML(), assertionIDAttr); err != nil {
		t.Fatalf("r||s signature refused by xmlsec1: %v", err)
	}
	if _, err := gosaml2SP(t, cfg, testACS).RetrieveAssertionInfo(resp.Encoded()); err == nil {
		t.Log("gosaml2 now accepts r||s ECDSA signatures (goxmldsig issue 163 fixed)")
	}
	cfg.ECDSASignatureASN1 = true
	resp = mustResponse(t, cfg, nil, testSubject())
	if _, err := gosaml2SP(t, cfg, testACS).RetrieveAssertionInfo(resp.Encoded()); err != nil {
		t.Fatalf("DER signature refused by gosaml2: %v", err)
	}
}

package samlsp_test

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/jumpgate-idp/jumpgate/internal/quipsim/samlsp"
)

func allowIdPInitiated(c *samlsp.Config) { c.AllowIdPInitiated = true }

// mustReject checks that err is a *ResponseError for reason with the public
// message, and that no login came back.
func mustReject(t *testing.T, login *samlsp.Login, err error, reason error) {
	t.Helper()
	if login != nil || err == nil {
		t.Fatalf("accepted: %+v", login)
	}
	var re *samlsp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error %v is not a *ResponseError", err)
	}
	if !errors.Is(err, reason) {
		t.Fatalf("rejected for %s, want %v", re.Detail(), reason)
	}
	if err.Error() != "SAML response rejected" {
		t.Fatalf("public message %q", err.Error())
	}
}

func setText(t *testing.T, el *etree.Element, path, text string) {
	t.Helper()
	found := el.FindElements(path)
	if len(found) == 0 {
		t.Fatalf("no %s", path)
	}
	for _, f := range found {
		f.SetText(text)
	}
}

func setAttr(t *testing.T, el *etree.Element, path, attr, value string) {
	t.Helper()
	found := el.FindElements(path)
	if len(found) == 0 {
		t.Fatalf("no %s", path)
	}
	for _, f := range found {
		f.CreateAttr(attr, value)
	}
}

const scdPath = "./Subject/SubjectConfirmation/SubjectConfirmationData"

func TestRejects(t *testing.T) {
	at := func(d time.Duration) string { return t0.Add(d).Format(time.RFC3339) }
	cases := []struct {
		name string
		opts []samlspOption
		// response returns the SAMLResponse to post.
		response func(t *testing.T, h *harness) string
		want     error
	}{
		{"tampered assertion value", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			xml := strings.Replace(decode(t, resp), "alice@example.com", "admin@example.com", -1)
			return base64.StdEncoding.EncodeToString([]byte(xml))
		}, samlsp.ErrBadSignature},
		{"tampered signature value", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			return h.edit(resp, signAssertion, nil) // re-signed below with a flipped bit
		}, nil},
		{"signed by another key", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			other := rsaKeyB()
			return editWith(t, resp, signBoth, other, selfSigned(t, other, "evil"), dsig.RSASHA256SignatureMethod, nil)
		}, samlsp.ErrBadSignature},
		{"unsigned", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			return h.edit(resp, 0, nil)
		}, samlsp.ErrBadSignature},
		{"wrong audience", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			return h.edit(resp, signBoth, func(_, a *etree.Element) {
				setText(t, a, "./Conditions/AudienceRestriction/Audience", "https://other-sp.example/metadata")
			})
		}, samlsp.ErrWrongAudience},
		{"no audience restriction", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			return h.edit(resp, signBoth, func(_, a *etree.Element) {
				c := a.FindElement("./Conditions")
				c.RemoveChild(c.FindElement("./AudienceRestriction"))
			})
		}, samlsp.ErrWrongAudience},
		{"wrong recipient", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			return h.edit(resp, signBoth, func(_, a *etree.Element) {
				setAttr(t, a, scdPath, "Recipient", h.cfg.ACSURL+"/other")
			})
		}, samlsp.ErrWrongRecipient},
		{"wrong destination", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			return h.edit(resp, signBoth, func(r, _ *etree.Element) { r.CreateAttr("Destination", "https://other-sp.example/acs") })
		}, samlsp.ErrWrongDestination},
		{"signed response without destination", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			return h.edit(resp, signBoth, func(r, _ *etree.Element) { r.RemoveAttr("Destination") })
		}, samlsp.ErrWrongDestination},
		{"expired (IssueInstant too old)", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			h.setNow(t0.Add(10 * time.Minute))
			return resp
		}, samlsp.ErrExpired},
		{"Conditions NotOnOrAfter past the configured skew", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			// 150 s ago: within crewjam's 180 s skew, past the 120 s default.
			return h.edit(resp, signBoth, func(_, a *etree.Element) {
				setAttr(t, a, "./Conditions", "NotBefore", at(-10*time.Minute))
				setAttr(t, a, "./Conditions", "NotOnOrAfter", at(-150*time.Second))
			})
		}, samlsp.ErrExpired},
		{"SubjectConfirmationData NotOnOrAfter past the configured skew", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			return h.edit(resp, signBoth, func(_, a *etree.Element) {
				setAttr(t, a, scdPath, "NotOnOrAfter", at(-150*time.Second))
			})
		}, samlsp.ErrExpired},
		{"not yet valid (IssueInstant in the future)", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			h.setNow(t0.Add(-10 * time.Minute))
			return resp
		}, samlsp.ErrNotYetValid},
		{"Conditions NotBefore beyond the configured skew", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			return h.edit(resp, signBoth, func(_, a *etree.Element) {
				setAttr(t, a, "./Conditions", "NotBefore", at(150*time.Second))
			})
		}, samlsp.ErrNotYetValid},
		{"unknown issuer", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			return h.edit(resp, signBoth, func(r, a *etree.Element) {
				setText(t, r, "./Issuer", "https://evil.example/idp")
				setText(t, a, "./Issuer", "https://evil.example/idp")
			})
		}, samlsp.ErrUnknownIssuer},
		{"unknown assertion issuer only", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			return h.edit(resp, signBoth, func(_, a *etree.Element) { setText(t, a, "./Issuer", "https://evil.example/idp") })
		}, samlsp.ErrUnknownIssuer},
		{"unsolicited not allowed", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.idpInitiated("")
			return resp
		}, samlsp.ErrUnsolicited},
		{"unknown InResponseTo", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			return h.edit(resp, signBoth, func(r, a *etree.Element) {
				r.CreateAttr("InResponseTo", "id-never-sent")
				setAttr(t, a, scdPath, "InResponseTo", "id-never-sent")
			})
		}, samlsp.ErrUnknownRequest},
		{"unknown InResponseTo with IdP-initiated allowed", []samlspOption{withConfig(allowIdPInitiated)}, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			return h.edit(resp, signBoth, func(r, a *etree.Element) {
				r.CreateAttr("InResponseTo", "id-never-sent")
				setAttr(t, a, scdPath, "InResponseTo", "id-never-sent")
			})
		}, samlsp.ErrUnknownRequest},
		{"InResponseTo only in the assertion, IdP-initiated allowed", []samlspOption{withConfig(allowIdPInitiated)}, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			return h.edit(resp, signBoth, func(r, a *etree.Element) {
				r.RemoveAttr("InResponseTo")
				setAttr(t, a, scdPath, "InResponseTo", "id-never-sent")
			})
		}, samlsp.ErrUnknownRequest},
		{"Response and Assertion InResponseTo disagree", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			h.spInitiated("") // another outstanding request
			other := ""
			for id := range h.requests.ids {
				if !strings.Contains(decode(t, resp), id) {
					other = id
				}
			}
			return h.edit(resp, signBoth, func(_, a *etree.Element) { setAttr(t, a, scdPath, "InResponseTo", other) })
		}, samlsp.ErrUnknownRequest},
		{"request expired", []samlspOption{withConfig(func(c *samlsp.Config) { c.RequestTTL = 30 * time.Second })}, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			h.setNow(t0.Add(45 * time.Second))
			return resp
		}, samlsp.ErrUnknownRequest},
		{"status not success", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			return h.edit(resp, signBoth, func(r, _ *etree.Element) {
				setAttr(t, r, "./Status/StatusCode", "Value", "urn:oasis:names:tc:SAML:2.0:status:Requester")
			})
		}, samlsp.ErrStatus},
		{"SHA-1 signature", []samlspOption{withIdPKey(rsaKeyA(), dsig.RSASHA1SignatureMethod)}, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			return resp
		}, samlsp.ErrBadSignature},
		{"reference URI is not the signed element", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			resp = h.edit(resp, signResponse, nil)
			xml := decode(t, resp)
			i := strings.Index(xml, `URI="#`)
			j := i + strings.Index(xml[i+5:], `"`) + 6
			xml = xml[:i] + `URI=""` + xml[j:]
			return base64.StdEncoding.EncodeToString([]byte(xml))
		}, samlsp.ErrBadSignature},
		{"encrypted assertion", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			return h.edit(resp, signResponse, func(r, a *etree.Element) {
				enc := etree.NewElement("saml:EncryptedAssertion")
				enc.CreateElement("xenc:EncryptedData").CreateAttr("xmlns:xenc", "http://www.w3.org/2001/04/xmlenc#")
				r.InsertChildAt(a.Index(), enc)
			})
		}, samlsp.ErrUnsupported},
		{"two assertions", nil, func(t *testing.T, h *harness) string {
			resp, _ := h.spInitiated("")
			return h.edit(resp, signBoth, func(r, a *etree.Element) { r.AddChild(a.Copy()) })
		}, samlsp.ErrMalformed},
		{"garbage base64", nil, func(*testing.T, *harness) string { return "%%%not base64!!" }, samlsp.ErrMalformed},
		{"not XML", nil, func(*testing.T, *harness) string { return base64.StdEncoding.EncodeToString([]byte("hello")) }, samlsp.ErrMalformed},
		{"not a Response", nil, func(*testing.T, *harness) string {
			return base64.StdEncoding.EncodeToString([]byte(`<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`))
		}, samlsp.ErrMalformed},
		{"oversized", nil, func(*testing.T, *harness) string { return strings.Repeat("A", samlsp.MaxResponseSize+4) }, samlsp.ErrTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.opts...)
			resp := tc.response(t, h)
			if tc.want == nil { // tampered signature value
				xml := decode(t, resp)
				i := strings.Index(xml, "<ds:SignatureValue>") + len("<ds:SignatureValue>")
				flip := byte('A')
				if xml[i] == 'A' {
					flip = 'B'
				}
				resp = base64.StdEncoding.EncodeToString([]byte(xml[:i] + string(flip) + xml[i+1:]))
				tc.want = samlsp.ErrBadSignature
			}
			login, err := h.acs(resp)
			mustReject(t, login, err, tc.want)
		})
	}
}

// samlspOption is an option of the test harness.
type samlspOption = option

func TestAcceptsSignedResponseOrSignedAssertion(t *testing.T) {
	for name, mode := range map[string]signMode{"assertion": signAssertion, "response": signResponse, "both": signBoth} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			resp, _ := h.spInitiated("")
			login, err := h.acs(h.edit(resp, mode, nil))
			if err != nil {
				t.Fatalf("rejected: %s", detail(err))
			}
			checkAlice(t, login)
		})
	}
}

func TestUnsignedResponseMayOmitDestination(t *testing.T) {
	h := newHarness(t)
	resp, _ := h.spInitiated("")
	login, err := h.acs(h.edit(resp, signAssertion, func(r, _ *etree.Element) { r.RemoveAttr("Destination") }))
	if err != nil {
		t.Fatalf("rejected: %s", detail(err))
	}
	checkAlice(t, login)
}

func TestAllowSHA1(t *testing.T) {
	h := newHarness(t, withIdPKey(rsaKeyA(), dsig.RSASHA1SignatureMethod), withConfig(func(c *samlsp.Config) { c.AllowSHA1 = true }))
	resp, _ := h.spInitiated("")
	if _, err := h.acs(resp); err != nil {
		t.Fatalf("rejected: %s", detail(err))
	}
}

// TestRotatedCertificates: the IdP metadata may list several signing
// certificates; a signature by any of them is accepted, with or without the
// certificate in KeyInfo.
func TestRotatedCertificates(t *testing.T) {
	h := newHarness(t)
	newKey := rsaKeyB()
	newCert := selfSigned(t, newKey, "idp-next")
	cfg := h.cfg
	cfg.IdP.Certificates = append(cfg.IdP.Certificates, newCert)
	sp, err := samlsp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.sp = sp
	for _, tc := range []struct {
		mode         signMode
		stripKeyInfo bool
	}{{signBoth, false}, {signAssertion, true}, {signResponse, true}} {
		stripKeyInfo := tc.stripKeyInfo
		resp, _ := h.spInitiated("")
		resp = editWith(t, resp, tc.mode, newKey, newCert, dsig.RSASHA256SignatureMethod, nil)
		if stripKeyInfo {
			xml := decode(t, resp)
			for strings.Contains(xml, "<ds:KeyInfo>") {
				i := strings.Index(xml, "<ds:KeyInfo>")
				j := strings.Index(xml, "</ds:KeyInfo>") + len("</ds:KeyInfo>")
				xml = xml[:i] + xml[j:]
			}
			resp = base64.StdEncoding.EncodeToString([]byte(xml))
		}
		if _, err := h.acs(resp); err != nil {
			t.Fatalf("mode %d, KeyInfo stripped %v: rejected: %s", tc.mode, stripKeyInfo, detail(err))
		}
	}
}

func TestReplay(t *testing.T) {
	t.Run("IdP-initiated", func(t *testing.T) {
		h := newHarness(t, withConfig(allowIdPInitiated))
		resp, _ := h.idpInitiated("")
		if _, err := h.post(resp, ""); err != nil {
			t.Fatalf("first: %s", detail(err))
		}
		login, err := h.post(resp, "")
		mustReject(t, login, err, samlsp.ErrReplay)
	})
	t.Run("SP-initiated", func(t *testing.T) {
		h := newHarness(t)
		resp, _ := h.spInitiated("")
		if _, err := h.post(resp, ""); err != nil {
			t.Fatalf("first: %s", detail(err))
		}
		login, err := h.post(resp, "")
		mustReject(t, login, err, samlsp.ErrReplay)
	})
}

// TestRequestAnsweredOnce: a second, fresh response to an answered request
// is refused.
func TestRequestAnsweredOnce(t *testing.T) {
	h := newHarness(t)
	u, err := h.sp.LoginURL(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	first, _ := h.fetchSSO(u)
	second, _ := h.fetchSSO(u)
	if _, err := h.post(first, ""); err != nil {
		t.Fatalf("first: %s", detail(err))
	}
	login, err := h.post(second, "")
	mustReject(t, login, err, samlsp.ErrUnknownRequest)
}

func TestRejectsDTDAndEntities(t *testing.T) {
	h := newHarness(t)
	resp, _ := h.spInitiated("")
	xml := decode(t, resp)
	body := strings.TrimPrefix(xml, `<?xml version="1.0" encoding="UTF-8"?>`)
	for name, doc := range map[string]string{
		"doctype":                `<!DOCTYPE Response>` + body,
		"entity":                 `<!DOCTYPE r [<!ENTITY who "admin@example.com">]>` + strings.Replace(body, "alice@example.com", "&who;", 1),
		"billion laughs":         `<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>` + body,
		"external entity":        `<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>` + body,
		"processing instruction": `<?xml-stylesheet href="x"?>` + body,
	} {
		t.Run(name, func(t *testing.T) {
			login, err := h.acs(base64.StdEncoding.EncodeToString([]byte(doc)))
			mustReject(t, login, err, samlsp.ErrMalformed)
		})
	}
}

func TestACSRequestShape(t *testing.T) {
	h := newHarness(t)
	post := func(method, ctype, body string) (*samlsp.Login, error) {
		r := httptest.NewRequest(method, h.cfg.ACSURL, strings.NewReader(body))
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		return h.sp.HandleACS(r)
	}
	form := func(v url.Values) string { return v.Encode() }
	for _, tc := range []struct {
		name, method, ctype, body string
		want                      error
	}{
		{"GET", http.MethodGet, "", "", samlsp.ErrMalformed},
		{"JSON", http.MethodPost, "application/json", "{}", samlsp.ErrMalformed},
		{"no SAMLResponse", http.MethodPost, "application/x-www-form-urlencoded", "RelayState=x", samlsp.ErrMalformed},
		{"two SAMLResponses", http.MethodPost, "application/x-www-form-urlencoded", "SAMLResponse=a&SAMLResponse=b", samlsp.ErrMalformed},
		{"artifact", http.MethodPost, "application/x-www-form-urlencoded", form(url.Values{"SAMLart": {"AAQ"}}), samlsp.ErrUnsupported},
		{"simplesign", http.MethodPost, "application/x-www-form-urlencoded", form(url.Values{"SAMLResponse": {"PHg+"}, "SigAlg": {"x"}}), samlsp.ErrUnsupported},
		{"huge body", http.MethodPost, "application/x-www-form-urlencoded", "SAMLResponse=" + strings.Repeat("%2B", samlsp.MaxResponseSize+10), samlsp.ErrTooLarge},
		{"huge RelayState", http.MethodPost, "application/x-www-form-urlencoded", form(url.Values{"SAMLResponse": {"PHg+"}, "RelayState": {strings.Repeat("r", samlsp.MaxRelayStateSize+1)}}), samlsp.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			login, err := post(tc.method, tc.ctype, tc.body)
			mustReject(t, login, err, tc.want)
		})
	}
}

// TestExpiredIdPCertificate: a signature by a configured certificate
// outside its validity period is refused.
func TestExpiredIdPCertificate(t *testing.T) {
	key := rsaKeyA()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "idp-expired"},
		NotBefore:    t0.Add(-48 * time.Hour),
		NotAfter:     t0.Add(-time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	expired, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(h *harness) {
		h.cert = expired
		h.idp.Certificate = expired
	})
	resp, _ := h.spInitiated("")
	login, err := h.acs(resp)
	mustReject(t, login, err, samlsp.ErrBadSignature)
	if !strings.Contains(detail(err), "not valid at this time") {
		t.Errorf("rejected for %s", detail(err))
	}
}

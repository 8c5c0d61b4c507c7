package samlsp_test

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"

	"github.com/jumpgate-idp/jumpgate/internal/quipsim/samlsp"
)

// The files in testdata/jumpgate are Responses made by Jumpgate's own IdP
// (internal/samlidp, MakeResponse at 2027-11-29T03:00:00Z) with its test
// keys, JumpCloud's Quip attribute names and each sign mode; the ECDSA ones
// carry XML-DSig 1.1 r||s signature values. This package may not import
// the IdP, so its output is pinned here; regenerate them when its wire
// format changes on purpose.
func TestAcceptsJumpgateResponses(t *testing.T) {
	now := time.Date(2027, 11, 29, 3, 0, 1, 0, time.UTC)
	cert := func(name string) *x509.Certificate {
		data, err := os.ReadFile(filepath.Join("testdata", "jumpgate", name))
		if err != nil {
			t.Fatal(err)
		}
		block, _ := pem.Decode(data)
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		file         string
		idpInitiated bool
		format       saml.NameIDFormat
	}{
		{"rsa-both-sp-initiated.xml", false, saml.EmailAddressNameIDFormat},
		{"rsa-response-sp-initiated.xml", false, saml.EmailAddressNameIDFormat},
		{"rsa-assertion-idp-initiated-transient.xml", true, saml.TransientNameIDFormat},
		{"ecdsa-both-sp-initiated.xml", false, saml.EmailAddressNameIDFormat},
		{"ecdsa-assertion-idp-initiated.xml", true, saml.UnspecifiedNameIDFormat},
	} {
		t.Run(tc.file, func(t *testing.T) {
			doc, err := os.ReadFile(filepath.Join("testdata", "jumpgate", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			clock := func() time.Time { return now }
			requests := &memRequests{now: clock, ids: map[string]time.Time{"_req-interop": now.Add(time.Minute)}}
			sp, err := samlsp.New(samlsp.Config{
				EntityID: "https://acme.quip.test/c/acme/saml/metadata",
				ACSURL:   "https://acme.quip.test/c/acme/saml/acs",
				IdP: samlsp.IdP{
					EntityID:     "https://sso.jumpgate.test/saml2/quip",
					SSOURL:       "https://sso.jumpgate.test/saml2/quip",
					Certificates: []*x509.Certificate{cert("idp-rsa2048.crt"), cert("idp-ecp256.crt")},
				},
				AllowIdPInitiated: true,
				Now:               clock,
				Requests:          requests,
				Replay:            &memReplay{now: clock, ids: map[string]time.Time{}},
			})
			if err != nil {
				t.Fatal(err)
			}
			post := func() (*samlsp.Login, error) {
				body := url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(doc)}, "RelayState": {"/d/1"}}.Encode()
				r := httptest.NewRequest(http.MethodPost, "https://acme.quip.test/c/acme/saml/acs", strings.NewReader(body))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				return sp.HandleACS(r)
			}
			login, err := post()
			if err != nil {
				t.Fatalf("rejected: %s", detail(err))
			}
			if login.IdPInitiated != tc.idpInitiated || login.NameIDFormat != string(tc.format) {
				t.Errorf("IdPInitiated %v, NameID format %q", login.IdPInitiated, login.NameIDFormat)
			}
			if login.Email != "alice@example.com" || login.FirstName != "Alice" || login.LastName != "Liddell" ||
				login.DisplayName != "Alice Liddell" || login.SessionIndex != "sess-1" || login.RelayState != "/d/1" {
				t.Errorf("login %+v", login)
			}
			if !tc.idpInitiated && login.InResponseTo != "_req-interop" {
				t.Errorf("InResponseTo %q", login.InResponseTo)
			}
			login, err = post()
			mustReject(t, login, err, samlsp.ErrReplay)
		})
	}
}

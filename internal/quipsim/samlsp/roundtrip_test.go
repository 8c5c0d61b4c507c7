package samlsp_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/jumpgate-idp/jumpgate/internal/quipsim/samlsp"
)

func checkAlice(t *testing.T, l *samlsp.Login) {
	t.Helper()
	if l.NameID != "alice@example.com" || l.NameIDFormat != string(saml.EmailAddressNameIDFormat) {
		t.Errorf("NameID = %q (%q)", l.NameID, l.NameIDFormat)
	}
	if l.Email != "alice@example.com" || l.FirstName != "Alice" || l.LastName != "Liddell" || l.DisplayName != "Alice Liddell" {
		t.Errorf("email %q, first %q, last %q, display %q", l.Email, l.FirstName, l.LastName, l.DisplayName)
	}
	if l.SessionIndex != "idx-42" {
		t.Errorf("SessionIndex = %q", l.SessionIndex)
	}
	if got := l.Attributes["urn:oid:0.9.2342.19200300.100.1.1"]; len(got) != 1 || got[0] != "alice" {
		t.Errorf("uid attribute = %q", got)
	}
}

func TestSPInitiatedRoundTrip(t *testing.T) {
	h := newHarness(t)
	loginURL, err := h.sp.LoginURL(t.Context(), "/docs/42")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(loginURL)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != h.cfg.IdP.SSOURL {
		t.Fatalf("LoginURL goes to %s, want %s", got, h.cfg.IdP.SSOURL)
	}
	if u.Query().Get("SAMLRequest") == "" || u.Query().Get("RelayState") != "/docs/42" {
		t.Fatalf("LoginURL query = %v", u.Query())
	}
	resp, relay := h.fetchSSO(loginURL)
	if relay != "/docs/42" {
		t.Fatalf("IdP relayed %q", relay)
	}
	login, err := h.post(resp, relay)
	if err != nil {
		t.Fatalf("HandleACS: %v (%s)", err, detail(err))
	}
	checkAlice(t, login)
	if login.IdPInitiated || login.InResponseTo == "" || login.RelayState != "/docs/42" {
		t.Errorf("IdPInitiated %v, InResponseTo %q, RelayState %q", login.IdPInitiated, login.InResponseTo, login.RelayState)
	}
	if !strings.Contains(decode(t, resp), `InResponseTo="`+login.InResponseTo+`"`) {
		t.Error("InResponseTo is not the request's")
	}
}

func TestIdPInitiatedRoundTrip(t *testing.T) {
	h := newHarness(t, withConfig(func(c *samlsp.Config) { c.AllowIdPInitiated = true }))
	resp, relay := h.idpInitiated("/home")
	login, err := h.post(resp, relay)
	if err != nil {
		t.Fatalf("HandleACS: %v (%s)", err, detail(err))
	}
	checkAlice(t, login)
	if !login.IdPInitiated || login.InResponseTo != "" || login.RelayState != "/home" {
		t.Errorf("IdPInitiated %v, InResponseTo %q, RelayState %q", login.IdPInitiated, login.InResponseTo, login.RelayState)
	}
}

func TestRoundTripECDSA(t *testing.T) {
	h := newHarness(t, withIdPKey(ecKey(), dsig.ECDSASHA256SignatureMethod))
	resp, _ := h.spInitiated("")
	login, err := h.post(resp, "")
	if err != nil {
		t.Fatalf("HandleACS: %v (%s)", err, detail(err))
	}
	checkAlice(t, login)
}

func TestAllowIdPInitiatedStillChecksSolicited(t *testing.T) {
	h := newHarness(t, withConfig(func(c *samlsp.Config) { c.AllowIdPInitiated = true }))
	resp, _ := h.spInitiated("")
	login, err := h.post(resp, "")
	if err != nil {
		t.Fatalf("HandleACS: %v (%s)", err, detail(err))
	}
	if login.IdPInitiated || login.InResponseTo == "" {
		t.Errorf("IdPInitiated %v, InResponseTo %q", login.IdPInitiated, login.InResponseTo)
	}
}

// detail returns the private cause of a rejection, for test failures.
func detail(err error) string {
	var re *samlsp.ResponseError
	if errors.As(err, &re) {
		return re.Detail()
	}
	return ""
}

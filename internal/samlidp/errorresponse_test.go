package samlidp_test

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
	"github.com/jumpgate-idp/jumpgate/internal/testenv"
)

func TestMakeErrorResponse(t *testing.T) {
	cfg := baseConfig(t)
	req := &samlidp.AuthnRequest{ID: "_passive", SPEntityID: testSPEntityID, ACSURL: testACS2, RelayState: "rs", IsPassive: true}
	resp, err := newIdP().MakeErrorResponse(context.Background(), cfg, req, samlidp.StatusResponder, samlidp.StatusNoPassive, "no session", testNow)
	if err != nil {
		t.Fatal(err)
	}
	x := resp.XML()
	for _, want := range []string{
		`<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:NoPassive">`,
		`<samlp:StatusMessage>no session</samlp:StatusMessage>`,
		`InResponseTo="_passive"`,
		`Destination="` + testACS2 + `"`,
	} {
		if !bytes.Contains(x, []byte(want)) {
			t.Errorf("error response lacks %s", want)
		}
	}
	if bytes.Contains(x, []byte("Assertion")) {
		t.Error("error response carries an assertion")
	}
	checkSignatureShape(t, resp, samlidp.SignResponse)
	if err := xmlsecVerify(t, testenv.Command(t, "xmlsec1"), cfg, x, responseIDAttr); err != nil {
		t.Fatal(err)
	}
	sp := crewjamSP(t, cfg, testACS2)
	acsURL, _ := url.Parse(testACS2)
	_, err = sp.ParseXMLResponse(x, []string{"_passive"}, *acsURL)
	if err == nil || !strings.Contains(errDetail(err), "NoPassive") && !strings.Contains(errDetail(err), "Responder") {
		t.Errorf("crewjam on an error response: %v", errDetail(err))
	}

	if _, err := newIdP().MakeErrorResponse(context.Background(), cfg, req, samlidp.StatusNoPassive, "", "", testNow); err == nil {
		t.Error("second-level code accepted as top-level")
	}
	if _, err := newIdP().MakeErrorResponse(context.Background(), cfg, nil, samlidp.StatusResponder, "", "", testNow); err == nil {
		t.Error("error response without a request")
	}
}

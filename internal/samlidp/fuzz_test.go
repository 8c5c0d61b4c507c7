package samlidp_test

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
)

// FuzzParseAuthnRequest feeds arbitrary input to ParseAuthnRequest. mode
// selects how data is delivered: 0 raw query string, 1 raw POST body, 2 XML
// deflated into a redirect, 3 XML in a POST form; bit 2 makes the
// application require signed requests. It must never panic, and every
// refusal must be one of the package's bad-input errors.
func FuzzParseAuthnRequest(f *testing.F) {
	plain := baseConfig(f)
	signed := signedConfig(f)
	f.Add(uint8(2), []byte(authnRequestXML(reqOpts{acs: testACS})))
	f.Add(uint8(3), []byte(authnRequestXML(reqOpts{dest: testIdPSSOURL})))
	f.Add(uint8(6), []byte(authnRequestXML(reqOpts{})))
	f.Add(uint8(0), []byte("SAMLRequest="+url.QueryEscape(deflateB64(f, authnRequestXML(reqOpts{})))+"&RelayState=x&SigAlg=a&Signature=b"))
	f.Add(uint8(1), []byte("SAMLRequest=PD94bWw%2B&RelayState=x"))
	f.Add(uint8(2), []byte(`<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>`))
	f.Fuzz(func(t *testing.T, mode uint8, data []byte) {
		if len(data) > 256<<10 {
			return
		}
		var r *http.Request
		switch mode % 4 {
		case 0:
			r = httptest.NewRequest(http.MethodGet, "/sso", nil)
			r.URL.RawQuery = string(data)
		case 1:
			r = httptest.NewRequest(http.MethodPost, "/sso", bytes.NewReader(data))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		case 2:
			var buf bytes.Buffer
			w, _ := flate.NewWriter(&buf, flate.BestSpeed)
			w.Write(data)
			w.Close()
			r = httptest.NewRequest(http.MethodGet, "/sso", nil)
			r.URL.RawQuery = "SAMLRequest=" + url.QueryEscape(base64.StdEncoding.EncodeToString(buf.Bytes()))
		case 3:
			form := url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString(data)}}
			r = httptest.NewRequest(http.MethodPost, "/sso", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		cfg := plain
		if mode&4 != 0 {
			cfg = signed
		}
		req, err := samlidp.ParseAuthnRequest(r, lookupFor(cfg), testNow)
		if err != nil {
			if req != nil {
				t.Fatal("request returned with an error")
			}
			for _, known := range []error{samlidp.ErrMalformedRequest, samlidp.ErrUnknownServiceProvider, samlidp.ErrSignature,
				samlidp.ErrACSNotAllowed, samlidp.ErrRequestExpired, samlidp.ErrDestination} {
				if errors.Is(err, known) {
					return
				}
			}
			t.Fatalf("unclassified error: %v", err)
		}
		if req.SPEntityID != cfg.SPEntityID || (cfg.SPCertificate != nil && !req.Signed) {
			t.Fatalf("accepted request %+v", req)
		}
		found := false
		for _, a := range cfg.ACSURLs {
			found = found || a == req.ACSURL
		}
		if !found {
			t.Fatalf("accepted ACS %q", req.ACSURL)
		}
	})
}

// FuzzParseSPMetadata must never panic, and whatever it accepts must only
// carry http(s) ACS URLs.
func FuzzParseSPMetadata(f *testing.F) {
	for _, name := range []string{"sp-metadata.xml", "sp-metadata-two-acs.xml", "sp-metadata-javascript-acs.xml", "sp-metadata-dtd.xml"} {
		b, err := readFileFromTestdata(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		md, err := samlidp.ParseSPMetadata(data)
		if err != nil {
			if !errors.Is(err, samlidp.ErrInvalidMetadata) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if len(md.ACSURLs) == 0 || md.EntityID == "" {
			t.Fatalf("accepted %+v", md)
		}
		for _, a := range md.ACSURLs {
			u, err := url.Parse(a)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				t.Fatalf("accepted ACS %q", a)
			}
		}
	})
}

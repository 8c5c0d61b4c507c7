package quipsim_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzACS posts arbitrary SAMLResponse and RelayState values to the ACS:
// every answer must be a refusal (403), never a 500 or a panic.
func FuzzACS(f *testing.F) {
	for _, s := range []string{"", "PHNhbWxwOlJlc3BvbnNlLz4=", "PD94bWwgdmVyc2lvbj0iMS4wIj8+PCFET0NUWVBFIHg+PHgvPg==", "%%%", "AAAA"} {
		f.Add(s, "/c/acme/")
	}
	e := newEnv(f, nil)
	newTestIdP(f, e)
	f.Fuzz(func(t *testing.T, resp, relay string) {
		body := url.Values{"SAMLResponse": {resp}, "RelayState": {relay}}.Encode()
		req := httptest.NewRequest("POST", "/c/acme/saml/acs", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Fatalf("status %d for %q", rec.Code, resp)
		}
	})
}

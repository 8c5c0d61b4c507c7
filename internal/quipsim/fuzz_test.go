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

// FuzzSCIMWrites sends arbitrary bodies to POST /Users, PATCH /Users/{id},
// POST /Groups and PUT /Groups/{id} and arbitrary filters to GET /Users:
// every answer must be below 500.
func FuzzSCIMWrites(f *testing.F) {
	f.Add(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"emails":[{"value":"f@acme.test"}]}`, `emails eq f@acme.test`)
	f.Add(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"emails[type eq \"work\"].value","value":"x@acme.test"}]}`, `name.givenName sw "A" or not (active eq true)`)
	f.Add(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g","members":[{"value":"x"}]}`, `emails[value co "@"]`)
	e := newEnv(f, nil)
	u := e.createUser("seed@acme.test", "Seed", "User")
	g := e.do("POST", "/2/Groups", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "G"}).JSON(f)
	f.Fuzz(func(t *testing.T, body, flt string) {
		for _, rq := range []struct{ method, path string }{
			{"POST", "/2/Users"}, {"PATCH", "/2/Users/" + u["id"].(string)}, {"PUT", "/2/Users/" + u["id"].(string)},
			{"POST", "/2/Groups"}, {"PUT", "/2/Groups/" + g["id"].(string)},
		} {
			req := httptest.NewRequest(rq.method, rq.path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+e.token)
			rec := httptest.NewRecorder()
			e.srv.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s %s: %d %s", rq.method, rq.path, rec.Code, rec.Body)
			}
		}
		req := httptest.NewRequest("GET", "/2/Users?filter="+url.QueryEscape(flt), nil)
		req.Header.Set("Authorization", "Bearer "+e.token)
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("filter %q: %d %s", flt, rec.Code, rec.Body)
		}
	})
}

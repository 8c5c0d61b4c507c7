package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// FuzzAPIRequests sends an arbitrary JSON body to one of the API's write
// routes and to a Directory Insights query, and an arbitrary query string to
// one of the lists (route picks which), through the real server: no answer
// may be a 5xx, and a refused write must change nothing.
func FuzzAPIRequests(f *testing.F) {
	f.Add(uint8(0), `{"username":"ada","email":"ada@example.com","firstname":"Ada"}`, `limit=20&offset=0&q=ada&sort=email&order=desc`)
	f.Add(uint8(2), `{"name":"Engineering","description":"builds"}`, `limit=-1&sort=nope`)
	f.Add(uint8(4), `{"userIds":["x","y"]}`, `q=%00&limit=99999999999999999999`)
	f.Add(uint8(8), `{"service":"directory","event_type":["user_create"],"start_time":"2026-11-01T00:00:00Z","sort":"ASC","limit":10}`, `offset=1e3&order=asc`)
	f.Add(uint8(17), `{"search_after":"AAAA","limit":0}`, `state=staged&state=suspended`)
	f.Add(uint8(49), `{"lastname":null,"state":"suspended"}{}`, ``)
	e := newEnv(f)
	e.handler.Insights = insights.New(e.store.(*sqlstore.Store))
	u := e.must("POST", "/api/v1/users", `{"username":"seed","email":"seed@example.com"}`, 201)
	var user struct{ ID string }
	if err := json.Unmarshal(u.body, &user); err != nil {
		f.Fatal(err)
	}
	g := e.must("POST", "/api/v1/groups", `{"name":"Seed"}`, 201)
	var group struct{ ID string }
	if err := json.Unmarshal(g.body, &group); err != nil {
		f.Fatal(err)
	}

	client := &http.Client{Timeout: 10 * time.Second}
	send := func(t *testing.T, method, path, body string) int {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, e.url+path, rd)
		if err != nil {
			return 0 // a query string no request can carry
		}
		req.Header.Set("Authorization", "Bearer "+e.adminKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s %q = %d %s", method, path, body, resp.StatusCode, b)
		}
		return resp.StatusCode
	}
	writes := []struct{ method, path string }{
		{"POST", "/api/v1/users"}, {"PATCH", "/api/v1/users/" + user.ID},
		{"POST", "/api/v1/groups"}, {"PATCH", "/api/v1/groups/" + group.ID},
		{"POST", "/api/v1/groups/" + group.ID + "/members"}, {"DELETE", "/api/v1/groups/" + group.ID + "/members"},
	}
	reads := []string{"/api/v1/insights/events", "/api/v1/insights/events/count"}
	lists := []string{"/api/v1/users?", "/api/v1/groups?", "/api/v1/groups/" + group.ID + "/members?", "/api/v1/changes?"}
	f.Fuzz(func(t *testing.T, route uint8, body, query string) {
		e.t = t // the target runs one input at a time in each process
		if strings.ContainsAny(query, "# \r\n\t") {
			query = "" // not a query string
		}
		// One write, one query and one list per input: the database work
		// of each request is what limits the rate.
		w := writes[int(route)%len(writes)]
		before := e.counts()
		if st := send(t, w.method, w.path, body); st >= 400 {
			if after := e.counts(); after != before {
				t.Fatalf("%s %s answered %d but changed %v -> %v", w.method, w.path, st, before, after)
			}
		}
		send(t, "POST", reads[int(route/8)%len(reads)], body)
		send(t, "GET", lists[int(route/16)%len(lists)]+query, "")
	})
}

// FuzzAppRequests sends an arbitrary body to one of the application routes
// (route picks which): creation, settings, SSO settings, SP metadata
// import, key upload, bindings and the image. No answer may be a 5xx, and a
// refused request must write no change record.
func FuzzAppRequests(f *testing.F) {
	f.Add(uint8(0), []byte(`{"templateId":"quip","label":"Quip"}`))
	f.Add(uint8(1), []byte(`{"label":"Quip (Sales)","description":"docs","showInPortal":false}`))
	f.Add(uint8(2), []byte(`{"spEntityId":"https://sp.example.com","acsUrls":["https://sp.example.com/acs"],"nameIdSource":"email","signatureAlgorithm":"RSA-SHA256","sign":"both","attributes":[{"name":"email","source":{"attribute":"email"},"enabled":true}]}`))
	f.Add(uint8(3), []byte(`<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example.com"><SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.com/acs" index="0"/></SPSSODescriptor></EntityDescriptor>`))
	f.Add(uint8(4), []byte(`{"certificate":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n","privateKey":"x"}`))
	f.Add(uint8(5), []byte(`{"groupIds":["nope"]}`))
	f.Add(uint8(6), []byte("\x89PNG\r\n\x1a\n"))
	e := newAppEnv(f, "sqlite:"+filepath.Join(f.TempDir(), "db.sqlite"))
	a := e.must("POST", "/api/v1/apps", `{"templateId":"quip","label":"Seed"}`, 201)
	var app struct{ ID string }
	if err := json.Unmarshal(a.body, &app); err != nil {
		f.Fatal(err)
	}
	routes := []struct{ method, path, contentType string }{
		{"POST", "/api/v1/apps", "application/json"},
		{"PATCH", "/api/v1/apps/" + app.ID, "application/json"},
		{"PUT", "/api/v1/apps/" + app.ID + "/sso", "application/json"},
		{"POST", "/api/v1/apps/" + app.ID + "/sso/import-metadata", "application/xml"},
		{"POST", "/api/v1/apps/" + app.ID + "/keys/upload", "application/json"},
		{"PUT", "/api/v1/apps/" + app.ID + "/groups", "application/json"},
		{"PUT", "/api/v1/apps/" + app.ID + "/image", "image/png"},
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		e.t = t
		rq := routes[int(route)%len(routes)]
		before := e.counts()
		r := e.raw(rq.method, rq.path, rq.contentType, body)
		if r.status >= 500 {
			t.Fatalf("%s %s %q = %d %s", rq.method, rq.path, body, r.status, r.body)
		}
		if after := e.counts(); r.status >= 400 && after != before {
			t.Fatalf("%s %s answered %d but changed %v -> %v", rq.method, rq.path, r.status, before, after)
		}
	})
}

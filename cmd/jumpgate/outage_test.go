package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/apiclient"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore/sqltest"
	"github.com/jumpgate-idp/jumpgate/internal/web"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

// TestServePostgresOutage cuts a server's way to PostgreSQL for longer
// than a provisioning lease while it works: /readyz, the API, the console,
// the admin portal and SSO answer 503 (never 500) and nothing is half
// written; when the database is back everything resumes by itself, and a
// change made just before the cut reaches Quip once.
func TestServePostgresOutage(t *testing.T) {
	ctx := context.Background()
	pg := sqltest.PostgresDSN(t)
	proxy, dsn := sqltest.NewProxy(t, pg)
	out := mustRun(t, nil, "admins", "create", "--db", pg, "--email", "root@example.com")
	key, adminPW := apiKeyRE.FindString(out), soPasswordRE.FindStringSubmatch(out)
	if key == "" || adminPW == nil {
		t.Fatalf("admins create printed:\n%s", out)
	}
	var kimTries atomic.Int32 // Quip's look-ups of kim
	quip := newSoQuip(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Query().Get("filter"), "kim@acme.test") {
				kimTries.Add(1)
			}
			next.ServeHTTP(w, r)
		})
	})
	base, logs := server(t, map[string]string{"JUMPGATE_MASTER_KEY": testMasterKey, "JUMPGATE_DB": dsn,
		"JUMPGATE_PROVISION_LEASE_TTL": "2s"}, "serve", "--addr", "127.0.0.1:0")
	c := &apiclient.Client{BaseURL: base, APIKey: key}
	staff, err := c.CreateGroup(ctx, api.GroupInput{Name: "Staff"})
	if err != nil {
		t.Fatal(err)
	}
	app := soQuipApp(t, c, quip.url+"/business/admin/scim", quip.token, staff.ID)
	newMember := func(name string) *directory.User {
		t.Helper()
		u, err := c.CreateUser(ctx, api.UserInput{Username: name, Email: name + "@acme.test", FirstName: name, LastName: "Test",
			State: directory.UserActivated})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.AddMembers(ctx, staff.ID, []string{u.ID}); err != nil {
			t.Fatal(err)
		}
		return u
	}
	ivy := newMember("ivy")
	const pw = "a long enough password"
	soSetPassword(t, base, key, ivy.ID, pw)
	jar, _ := cookiejar.New(nil)
	user := &http.Client{Jar: jar}
	if code, path, body := soPostForm(t, user, base+"/console/login", url.Values{"login": {"ivy"}, "password": {pw}}); code != 200 || path != "/console" {
		t.Fatalf("console sign-in: %d %s %.300s", code, path, body)
	}
	ajar, _ := cookiejar.New(nil)
	admin := &http.Client{Jar: ajar}
	if code, path, body := soPostForm(t, admin, base+"/admin/login", url.Values{"email": {"root@example.com"}, "password": {adminPW[1]}}); code != 200 || path != "/admin/users" {
		t.Fatalf("portal sign-in: %d %s %.300s", code, path, body)
	}
	soWaitUntil(t, 15*time.Second, "ivy in Quip", func() bool { _, ok := quip.usersByEmail(t)["ivy@acme.test"]; return ok })

	// A change just before the cut: the engine tries it once, Quip fails it,
	// and Quip keeps failing until the database is back.
	if err := quip.sim.SetFaults(quipsim.Faults{ErrorRate: 1}); err != nil {
		t.Fatal(err)
	}
	newMember("kim")
	soWaitUntil(t, 10*time.Second, "the engine to try kim", func() bool { return kimTries.Load() > 0 })
	proxy.Cut()
	cutAt := time.Now()

	unavailable := func(what string, code int, body string, html bool) {
		t.Helper()
		if code != http.StatusServiceUnavailable {
			t.Fatalf("%s during the cut: %d %.300s", what, code, body)
		}
		if html {
			if !strings.Contains(body, "<html") || !strings.Contains(body, "unavailable") {
				t.Fatalf("%s during the cut: not a 503 page: %.500s", what, body)
			}
			return
		}
		var eb web.ErrorBody
		if err := json.Unmarshal([]byte(body), &eb); err != nil || eb.Error.Code != directory.EUNAVAILABLE || eb.Error.Message == "" || eb.Error.RequestID == "" {
			t.Fatalf("%s during the cut: error body %s (%v)", what, body, err)
		}
	}
	plain := &http.Client{}
	apiReq := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		code, _, b := soFetch(t, plain, req)
		return code, b
	}
	for time.Since(cutAt) < 3*time.Second { // longer than the 2 s lease
		code, _, body := soGet(t, plain, base+"/readyz")
		unavailable("/readyz", code, body, false)
		code, body = apiReq("GET", "/api/v1/users", "")
		unavailable("GET /api/v1/users", code, body, false)
		code, body = apiReq("POST", "/api/v1/users", `{"username":"ghost","email":"ghost@acme.test"}`)
		unavailable("POST /api/v1/users", code, body, false)
		code, body = apiReq("POST", "/api/v1/groups/"+staff.ID+"/members", `{"userIds":["`+ivy.ID+`"]}`)
		unavailable("POST members", code, body, false)
		code, _, body = soGet(t, user, base+"/console")
		unavailable("GET /console", code, body, true)
		code, _, body = soPostForm(t, &http.Client{}, base+"/console/login", url.Values{"login": {"ivy"}, "password": {pw}})
		unavailable("POST /console/login", code, body, true)
		code, _, body = soGet(t, admin, base+"/admin/users")
		unavailable("GET /admin/users", code, body, true)
		code, _, body = soGet(t, plain, base+"/saml2/"+app.Slug+"?SAMLRequest=x")
		unavailable("GET /saml2/"+app.Slug, code, body, true)
		time.Sleep(200 * time.Millisecond)
	}
	if _, ok := quip.usersByEmail(t)["kim@acme.test"]; ok {
		t.Fatal("kim reached Quip while it failed every call")
	}
	if err := quip.sim.SetFaults(quipsim.Faults{}); err != nil {
		t.Fatal(err)
	}
	proxy.Restore()
	restoredAt := time.Now()

	// Everything resumes by itself.
	soWaitUntil(t, 10*time.Second, "/readyz to answer 200", func() bool { code, _, _ := soGet(t, plain, base+"/readyz"); return code == 200 })
	t.Logf("ready %v after the database came back", time.Since(restoredAt).Round(time.Millisecond))
	soWaitUntil(t, 20*time.Second, "kim in Quip", func() bool { _, ok := quip.usersByEmail(t)["kim@acme.test"]; return ok })
	t.Logf("kim provisioned %v after the database came back", time.Since(restoredAt).Round(time.Millisecond))
	if code, path, body := soGet(t, user, base+"/console"); code != 200 || path != "/console" {
		t.Fatalf("console after the cut: %d %s %.300s", code, path, body)
	}
	if code, _, body := soGet(t, admin, base+"/admin/users"); code != 200 || !strings.Contains(body, "ivy") {
		t.Fatalf("portal after the cut: %d %.300s", code, body)
	}
	// Nothing refused was written.
	if p, err := c.ListUsers(ctx, apiclient.ListOptions{Query: "ghost"}); err != nil || p.Total != 0 {
		t.Fatalf("ghost after the cut: %+v %v", p, err)
	}
	ghost, err := c.CreateUser(ctx, api.UserInput{Username: "ghost", Email: "ghost@acme.test"})
	if err != nil || ghost.Username != "ghost" {
		t.Fatalf("create after the cut: %+v %v", ghost, err)
	}
	// Quip got every member once, and the queue is empty.
	soWaitUntil(t, 10*time.Second, "an empty queue", func() bool {
		st, err := c.IdMStatus(ctx, app.ID)
		return err == nil && st.QueueDepth == 0 && st.State == "healthy"
	})
	if us := quip.usersByEmail(t); len(us) != 2 {
		t.Fatalf("Quip has %d users, want ivy and kim", len(us))
	}
	if !strings.Contains(logs.String(), "status=503") || strings.Contains(logs.String(), "status=500") {
		t.Fatalf("a request answered 500:\n%s", grepLines(logs.String(), "status=500"))
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

package main

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/apiclient"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
)

// TestNoSecretLeaks runs the whole demo at debug log level, signs in
// everywhere, provisions, and tries wrong credentials; then it checks that
// no secret — passwords, SCIM tokens, API keys, session cookies, private
// keys, the master key — appears in the logs, in any Directory Insights
// event or in any API answer.
func TestNoSecretLeaks(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	r := startDemo(t, dir, "127.0.0.1:0", "127.0.0.1:0", "--log-level", "debug")
	adminPW := demoAdminPasswordRE.FindStringSubmatch(r.out)[1]
	c := &apiclient.Client{BaseURL: r.url, APIKey: r.key}
	secretsOf := map[string]string{
		"admin password":  adminPW,
		"alice password":  "alice-demo-password",
		"carol password":  "carol-demo-password",
		"API key":         r.key,
		"API key secret":  r.key[strings.LastIndexByte(r.key, '_')+1:],
		"Quip SCIM token": r.token,
		"wrong password":  "not-alices-password-xyz",
		"wrong token":     "wrong-scim-token-0123456789",
		"wrong API key":   "jg_0123456789ab_" + strings.Repeat("ab", 32),
	}
	mk, err := os.ReadFile(filepath.Join(dir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	secretsOf["master key"] = strings.TrimSpace(string(mk))
	if raw, err := secrets.ParseKey(string(mk)); err == nil {
		secretsOf["master key (raw base64)"] = base64.RawStdEncoding.EncodeToString(raw)
	}

	// Sign-ins: SP-initiated SSO, a wrong password, the admin portal.
	alice := newDemoBrowser(t)
	alice.signedInAs(r, alice.signInSP(r, "alice", "alice-demo-password"), "alice@acme.test")
	wrong := newDemoBrowser(t)
	wrong.post(r.url+"/console/login", url.Values{"login": {"alice"}, "password": {secretsOf["wrong password"]}})
	admin := newDemoBrowser(t)
	if p := admin.post(r.url+"/admin/login", url.Values{"email": {DemoAdminEmail}, "password": {adminPW}, "next": {"/admin/apps"}}); p.status != 200 {
		t.Fatalf("admin sign-in: %d %s", p.status, p.url)
	}
	admin.post(r.url+"/admin/login", url.Values{"email": {DemoAdminEmail}, "password": {secretsOf["wrong password"]}})
	for _, b := range []*demoBrowser{alice, admin} {
		for _, u := range []string{r.url, r.quip} {
			pu, _ := url.Parse(u)
			for _, ck := range b.c.Jar.Cookies(pu) {
				if len(ck.Value) >= 16 {
					secretsOf["cookie "+ck.Name] = ck.Value
				}
			}
		}
	}

	// Provisioning with the token, and a refused token.
	if _, err := run(t, r.env(), "groups", "members", "add", "Quip Users", "bob"); err != nil {
		t.Fatal(err)
	}
	demoWaitFor(t, "bob in quipsim", func() bool { _, ok := r.quipUsers(t)["bob@acme.test"]; return ok })
	apps, err := c.ListApps(ctx, apiclient.ListOptions{})
	if err != nil || len(apps.Items) == 0 {
		t.Fatalf("apps: %+v %v", apps, err)
	}
	appID := apps.Items[0].ID
	apiCall(t, r, http.MethodPost, "/api/v1/apps/"+appID+"/idm/reauth", `{"token":"`+secretsOf["wrong token"]+`"}`)
	bad := &apiclient.Client{BaseURL: r.url, APIKey: secretsOf["wrong API key"]}
	if _, err := bad.ListUsers(ctx, apiclient.ListOptions{}); err == nil {
		t.Fatal("a wrong API key was accepted")
	}

	// What an admin or the API can read.
	var answers strings.Builder
	for _, p := range []string{"/api/v1/users", "/api/v1/groups", "/api/v1/apps", "/api/v1/apps/" + appID, "/api/v1/apps/" + appID + "/sso",
		"/api/v1/apps/" + appID + "/keys", "/api/v1/apps/" + appID + "/idm", "/api/v1/apps/" + appID + "/idm/status",
		"/api/v1/apps/" + appID + "/idm/plan", "/api/v1/apps/" + appID + "/metadata", "/api/v1/changes", "/api/v1/outbox"} {
		answers.WriteString(apiCall(t, r, http.MethodGet, p, ""))
	}
	events := apiCall(t, r, http.MethodPost, "/api/v1/insights/events/export", `{"sort":"ASC"}`)
	if strings.Count(events, "\n") < 20 {
		t.Fatalf("too few events exported to be a meaningful check:\n%s", events)
	}
	t.Logf("%d secrets checked: %v", len(secretsOf), mapKeys(secretsOf))
	time.Sleep(200 * time.Millisecond) // let the last request's log line be written
	logs := r.logs.String()
	if !strings.Contains(logs, "level=DEBUG") {
		t.Fatal("the demo did not log at debug level")
	}
	privateKey := regexp.MustCompile(`PRIVATE KEY|"d":\s*"|MII[A-Za-z0-9+/]{60,}`)
	for where, text := range map[string]string{"logs": logs, "events": events, "API answers": answers.String()} {
		for name, s := range secretsOf {
			if s != "" && strings.Contains(text, s) {
				i := strings.Index(text, s)
				t.Errorf("the %s appears in the %s: …%s…", name, where, text[max(0, i-200):min(len(text), i+len(s)+50)])
			}
		}
		if where != "API answers" && privateKey.MatchString(text) {
			t.Errorf("something like a private key or certificate blob appears in the %s: %q", where, privateKey.FindString(text))
		}
	}
	if m := regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`).FindString(answers.String()); m != "" {
		t.Errorf("an API answer holds a private key: %s", m)
	}
}

// apiCall makes one admin API request with the demo's key and returns the
// answer's body (any status).
func apiCall(t *testing.T, r *demoRun, method, path, body string) string {
	t.Helper()
	req, _ := http.NewRequest(method, r.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+r.key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func mapKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/apiclient"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

func hostPort(t *testing.T, u string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Host
}

// TestDemoEndToEnd runs `jumpgate demo` three times on one data directory:
// the first run wires Jumpgate and quipsim together and the walk-through
// works (SSO both ways, provisioning, deprovisioning, import list); a
// second run on the same addresses keeps everything and writes nothing; a
// third run on new ports re-wires the URLs and SSO still works.
func TestDemoEndToEnd(t *testing.T) {
	ctx := context.Background()
	goroutines := runtime.NumGoroutine()
	dir := t.TempDir()
	r := startDemo(t, dir, "127.0.0.1:0", "127.0.0.1:0")
	for _, want := range []string{
		r.url + "/admin", r.url + "/console", r.quip + "/c/acme/", "Admin password: ", "alice-demo-password",
		"bob-demo-password", "carol-demo-password", "JUMPGATE_API_KEY=" + r.key, `groups members add "Quip Users" bob`,
		"users suspend carol", r.url + "/admin/insights", "events --since 1h", "apps import run Quip --all",
		"dana@acme.test and eve@acme.test",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("the demo text lacks %q:\n%s", want, r.out)
		}
	}
	if strings.Contains(r.logs.String(), r.token) || strings.Contains(r.logs.String(), r.key) {
		t.Error("a secret reached the log")
	}

	// Activation provisioned the members of "Quip Users"; Dana and Eve are
	// only in quipsim; Bob is not there yet.
	demoWaitFor(t, "Alice and Carol provisioned", func() bool {
		us := r.quipUsers(t)
		return us["alice@acme.test"].Active && us["carol@acme.test"].Active
	})
	us := r.quipUsers(t)
	if _, ok := us["bob@acme.test"]; ok || !us["dana@acme.test"].Active || !us["eve@acme.test"].Active || len(us) != 4 {
		t.Fatalf("quipsim users after the first start: %+v", us)
	}

	// 1. SP-initiated sign-in, then IdP-initiated from the console tile.
	b := newDemoBrowser(t)
	b.signedInAs(r, b.signInSP(r, "alice", "alice-demo-password"), "alice@acme.test")
	b2 := newDemoBrowser(t)
	tiles := b2.post(r.url+"/console/login", url.Values{"login": {"carol@acme.test"}, "password": {"carol-demo-password"}})
	if tiles.status != 200 || tiles.url.Path != "/console" || !strings.Contains(tiles.body, `action="/saml2/quip/launch"`) {
		t.Fatalf("Carol's console: %d %s\n%s", tiles.status, tiles.url, tiles.body)
	}
	b2.signedInAs(r, b2.postSAMLResponse(r, b2.post(r.url+"/saml2/quip/launch", demoHidden(tiles.body))), "carol@acme.test")
	// Bob is not in a bound group: implicitly denied.
	b3 := newDemoBrowser(t)
	p := b3.get(r.quip + "/c/acme/saml/login")
	f := demoHidden(p.body)
	f.Set("login", "bob")
	f.Set("password", "bob-demo-password")
	if p = b3.post(r.url+"/console/login", f); strings.Contains(p.body, "SAMLResponse") || p.status != 403 {
		t.Fatalf("Bob got through before being added: %d %s", p.status, p.body)
	}

	// 2. Adding Bob to "Quip Users" (the walk-through's command) provisions him.
	env := r.env()
	mustRun(t, env, "groups", "members", "add", "Quip Users", "bob")
	demoWaitFor(t, "Bob provisioned", func() bool { return r.quipUsers(t)["bob@acme.test"].Active })
	// 3. Suspending Carol deactivates her in quipsim.
	mustRun(t, env, "users", "suspend", "carol")
	demoWaitFor(t, "Carol deactivated", func() bool {
		u, ok := r.quipUsers(t)["carol@acme.test"]
		return ok && !u.Active
	})
	// 4. Directory Insights has the demo's story.
	c := &apiclient.Client{BaseURL: r.url, APIKey: r.key}
	for _, typ := range []string{"user_create", "user_create_provision", "idm_integration_activate", "sso_auth"} {
		page, err := c.QueryEvents(ctx, api.EventQuery{EventType: []string{typ}})
		if err != nil || len(page.Events) == 0 {
			t.Errorf("no %s events: %v", typ, err)
		}
	}
	// 5. Dana and Eve are new users to import.
	out := mustRun(t, env, "apps", "import", "list", "Quip", "--new-only")
	if !strings.Contains(out, "dana@acme.test") || !strings.Contains(out, "eve@acme.test") || !strings.Contains(out, "2 new") {
		t.Fatalf("import list:\n%s", out)
	}

	apps, err := c.ListApps(ctx, apiclient.ListOptions{})
	if err != nil || apps.Total != 1 {
		t.Fatalf("apps = %+v %v", apps, err)
	}
	appID := apps.Items[0].ID
	changes, err := c.ListChanges(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	lastChange := changes.Items[len(changes.Items)-1].Seq
	activations := countEvents(t, c, "idm_integration_activate")
	r.stop()

	// Second run on the same addresses: the data is kept, nothing is made
	// twice and nothing is re-wired.
	r2 := startDemo(t, dir, hostPort(t, r.url), hostPort(t, r.quip))
	if strings.Contains(r2.out, "(shown only now") || !strings.Contains(r2.out, "printed at the first run") || r2.token != r.token ||
		strings.Contains(r2.out, "made again") || r2.key == r.key {
		t.Fatalf("second start printed:\n%s", r2.out)
	}
	// The printed users show what the walk-through changed.
	for _, re := range []string{`bob\s+bob@acme\.test\s+bob-demo-password\s+activated\s+Engineering, Quip Users\n`,
		`carol\s+carol@acme\.test\s+carol-demo-password\s+suspended\s+Engineering, Quip Users\n`} {
		if !regexp.MustCompile(re).MatchString(r2.out) {
			t.Fatalf("second start printed no line matching %s:\n%s", re, r2.out)
		}
	}
	c = &apiclient.Client{BaseURL: r2.url, APIKey: r2.key}
	if _, err := (&apiclient.Client{BaseURL: r2.url, APIKey: r.key}).ListUsers(ctx, apiclient.ListOptions{}); directory.ErrorCode(err) != directory.EUNAUTHORIZED {
		t.Fatalf("the first run's API key still works: %v", err)
	}
	changes, err = c.ListChanges(ctx, lastChange, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range changes.Items {
		// Each start replaces the demo's API key, and that is audited.
		if ch.ResourceType != "api_key" {
			t.Fatalf("the second start changed the directory: %+v", changes)
		}
	}
	if n := countEvents(t, c, "idm_integration_activate"); n != activations {
		t.Fatalf("identity management activated again: %d events, was %d", n, activations)
	}
	users, err := c.ListUsers(ctx, apiclient.ListOptions{})
	if err != nil || users.Total != 3 {
		t.Fatalf("users = %+v %v", users, err)
	}
	for _, u := range users.Items {
		if (u.Username == "carol") != (u.State == directory.UserSuspended) {
			t.Fatalf("user states not kept: %+v", users.Items)
		}
	}
	members := mustRun(t, r2.env(), "groups", "members", "list", "Quip Users")
	if !strings.Contains(members, "alice") || !strings.Contains(members, "bob") || !strings.Contains(members, "carol") {
		t.Fatalf("Quip Users members not kept:\n%s", members)
	}
	if groups, err := c.ListGroups(ctx, apiclient.ListOptions{}); err != nil || groups.Total != 2 {
		t.Fatalf("groups = %+v %v", groups, err)
	}
	if apps, err := c.ListApps(ctx, apiclient.ListOptions{}); err != nil || apps.Total != 1 || apps.Items[0].ID != appID {
		t.Fatalf("apps = %+v %v", apps, err)
	}
	if us := r2.quipUsers(t); len(us) != 5 {
		t.Fatalf("quipsim users after the second start: %+v", us)
	}
	b = newDemoBrowser(t)
	b.signedInAs(r2, b.signInSP(r2, "alice", "alice-demo-password"), "alice@acme.test")
	r2.stop()

	// Third run on new ports with a token quipsim does not know: the
	// URL-dependent settings follow, a new token is issued, the app is made
	// again (its IdP URL never changes) and nobody is duplicated.
	tokenFile := filepath.Join(dir, "quipsim-acme.token")
	if err := os.WriteFile(tokenFile, []byte("not-a-token-quipsim-knows\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r3 := startDemo(t, dir, "127.0.0.1:0", "127.0.0.1:0")
	if r3.url != r2.url && !strings.Contains(r3.out, "was deleted and made again") {
		t.Fatalf("third start printed:\n%s", r3.out)
	}
	if b, err := os.ReadFile(tokenFile); err != nil || strings.TrimSpace(string(b)) != r3.token || r3.token == r2.token {
		t.Fatalf("token file %q (%v), printed %q", b, err, r3.token)
	}
	assertMode(t, tokenFile, 0o600)
	b = newDemoBrowser(t)
	b.signedInAs(r3, b.signInSP(r3, "bob", "bob-demo-password"), "bob@acme.test")
	demoWaitFor(t, "provisioning settled on the new app", func() bool {
		out := mustRun(t, r3.env(), "apps", "idm", "status", "Quip")
		return strings.Contains(out, "healthy") && strings.Contains(out, "Queue    0")
	})
	us = r3.quipUsers(t)
	if len(us) != 5 || !us["alice@acme.test"].Active || !us["bob@acme.test"].Active || us["carol@acme.test"].Active {
		t.Fatalf("quipsim users after the third start: %+v", us)
	}
	// 5, done: Dana and Eve become directory users.
	out = mustRun(t, r3.env(), "apps", "import", "run", "Quip", "--all")
	if !strings.Contains(out, "dana@acme.test") || !strings.Contains(out, "eve@acme.test") {
		t.Fatalf("import run:\n%s", out)
	}
	c = &apiclient.Client{BaseURL: r3.url, APIKey: r3.key}
	if users, err := c.ListUsers(ctx, apiclient.ListOptions{}); err != nil || users.Total != 5 {
		t.Fatalf("users after the import = %+v %v", users, err)
	}
	r3.stop()

	// Nothing is left running.
	http1 := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > goroutines && time.Now().Before(http1) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutines {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines left running (%d before):\n%s", n, goroutines, buf[:runtime.Stack(buf, true)])
	}
}

func countEvents(t *testing.T, c *apiclient.Client, typ string) int {
	t.Helper()
	page, err := c.QueryEvents(context.Background(), api.EventQuery{EventType: []string{typ}})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Events)
}

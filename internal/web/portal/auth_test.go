package portal_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
)

func TestAdminSignInAndOut(t *testing.T) {
	e := newEnv(t)
	e.admin("root@example.com", directory.RoleAdmin)
	b := e.browser()

	// A page needs a session: the sign-in form keeps where the admin wanted to go.
	p := b.get("/admin/account").wantStatus(t, http.StatusOK)
	if p.URL.Path != "/admin/login" || p.URL.Query().Get("next") != "/admin/account" {
		t.Fatalf("landed on %s", p.URL)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"} {
		if p.Header.Get(h) == "" {
			t.Errorf("login page lacks %s", h)
		}
	}

	// A wrong password says little and keeps the e-mail typed.
	p = b.postForm("/admin/login", url.Values{"email": {"root@example.com"}, "password": {"wrong password here"}, "next": {"/admin/account"}})
	p.wantStatus(t, http.StatusUnauthorized).wantText(t, "not correct", `value="root@example.com"`)
	if strings.Contains(p.Body, "wrong password here") {
		t.Fatal("the page echoes the password")
	}
	// An unknown admin gets the same answer.
	b.postForm("/admin/login", url.Values{"email": {"nobody@example.com"}, "password": {adminPassword}}).
		wantStatus(t, http.StatusUnauthorized).wantText(t, "not correct")

	p = b.postForm("/admin/login", url.Values{"email": {"ROOT@example.com"}, "password": {adminPassword}, "next": {"/admin/account"}})
	p.wantStatus(t, http.StatusOK).wantText(t, "Your account", "root@example.com", "Two-step verification is")
	if p.URL.Path != "/admin/account" {
		t.Fatalf("after sign-in: %s", p.URL)
	}

	// Sign out ends the session on the server, not just the cookie.
	b.post("/admin/logout", nil).wantStatus(t, http.StatusOK).wantText(t, "You are signed out.")
	if p := b.get("/admin/account"); p.URL.Path != "/admin/login" {
		t.Fatalf("after sign-out the account page is at %s", p.URL)
	}

	// Both attempts are in Directory Insights, failures with their reason.
	page, err := e.Insights.Query(ctx, insights.Query{EventTypes: []insights.EventType{insights.AdminLoginAttempt}, Sort: "ASC"})
	if err != nil {
		t.Fatal(err)
	}
	var ok, failed int
	for _, ev := range page.Events {
		if ev.Success {
			ok++
		} else {
			failed++
			if ev.ErrorMessage == "" {
				t.Errorf("failed sign-in event without a reason: %+v", ev)
			}
		}
	}
	if ok != 1 || failed != 2 {
		t.Fatalf("admin_login_attempt events: %d ok, %d failed", ok, failed)
	}
}

func TestAdminSignInIgnoresForeignNext(t *testing.T) {
	e := newEnv(t)
	e.admin("root@example.com", directory.RoleAdmin)
	for _, next := range []string{"//evil.example/admin", "https://evil.example/", "/admin/../console", "/console"} {
		b := e.browser()
		p := b.postForm("/admin/login", url.Values{"email": {"root@example.com"}, "password": {adminPassword}, "next": {next}})
		if p.URL.Host != strings.TrimPrefix(e.URL, "http://") || !strings.HasPrefix(p.URL.Path, "/admin/") {
			t.Fatalf("next=%q led to %s", next, p.URL)
		}
	}
}

func TestAdminSignInThrottled(t *testing.T) {
	e := newEnv(t)
	e.admin("root@example.com", directory.RoleAdmin)
	b := e.browser()
	var last page
	for range 8 {
		last = b.postForm("/admin/login", url.Values{"email": {"root@example.com"}, "password": {"not the password"}})
	}
	last.wantStatus(t, http.StatusTooManyRequests).wantText(t, "Too many")
	// Even the right password is refused while throttled.
	b.postForm("/admin/login", url.Values{"email": {"root@example.com"}, "password": {adminPassword}}).wantStatus(t, http.StatusTooManyRequests)
}

var secretRE = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)
var codeRE = regexp.MustCompile(`<li><code>([^<]+)</code></li>`)

func TestAdminTwoStepVerification(t *testing.T) {
	e := newEnv(t)
	e.admin("root@example.com", directory.RoleAdmin)
	b := e.browser()
	b.postForm("/admin/login", url.Values{"email": {"root@example.com"}, "password": {adminPassword}, "next": {"/admin/account"}}).
		wantStatus(t, http.StatusOK).wantText(t, "is <strong>off</strong>")

	p := b.post("/admin/account/totp", nil).wantStatus(t, http.StatusOK)
	m := secretRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no TOTP key on the page:\n%s", p.Body)
	}
	secret := m[1]
	b.post("/admin/account/totp/confirm", url.Values{"code": {"000000"}}).wantStatus(t, http.StatusBadRequest).wantText(t, "not correct")
	code, _ := totp.GenerateCode(secret, time.Now())
	p = b.post("/admin/account/totp/confirm", url.Values{"code": {code}}).wantStatus(t, http.StatusOK).wantText(t, "recovery codes")
	codes := codeRE.FindAllStringSubmatch(p.Body, -1)
	if len(codes) < 5 {
		t.Fatalf("recovery codes: %v", codes)
	}

	// A new sign-in now asks for a code; the pending session opens nothing.
	c := e.browser()
	p = c.postForm("/admin/login", url.Values{"email": {"root@example.com"}, "password": {adminPassword}, "next": {"/admin/account"}})
	p.wantStatus(t, http.StatusOK).wantText(t, "authenticator app")
	if q := c.get("/admin/account"); q.URL.Path != "/admin/login" {
		t.Fatalf("a session waiting for its code opened %s", q.URL)
	}
	p = c.postForm("/admin/login", url.Values{"email": {"root@example.com"}, "password": {adminPassword}, "next": {"/admin/account"}})
	c.post("/admin/login/totp", url.Values{"code": {"123456"}, "next": {"/admin/account"}}).wantStatus(t, http.StatusUnauthorized)
	p = c.post("/admin/login/totp", url.Values{"code": {codes[0][1]}, "next": {"/admin/account"}}).wantStatus(t, http.StatusOK)
	if p.URL.Path != "/admin/account" {
		t.Fatalf("after the second step: %s", p.URL)
	}
	p.wantText(t, "is <strong>on</strong>")
}

func TestPortalFormsNeedCSRFAndSameOrigin(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(directory.RoleAdmin)
	b.get("/admin/account")
	b.postForm("/admin/account/totp", url.Values{}).wantStatus(t, http.StatusForbidden).wantText(t, "expired")
	b.postForm("/admin/account/totp", url.Values{"csrf_token": {"forged"}}).wantStatus(t, http.StatusForbidden)
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/admin/account/totp", strings.NewReader(url.Values{"csrf_token": {b.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	b.do(req).wantStatus(t, http.StatusForbidden)
	on, _, err := e.Admins.TOTPEnabled(ctx, mustAdmin(t, e, "admin-admin@example.com").ID)
	if err != nil || on {
		t.Fatalf("TOTP on=%v err=%v", on, err)
	}
	// An oversized form is refused before anything runs.
	big := url.Values{"csrf_token": {b.csrf}, "x": {strings.Repeat("a", 70<<10)}}
	b.postForm("/admin/account/totp", big).wantStatus(t, http.StatusRequestEntityTooLarge)
}

func TestReadOnlyAdminMayLookAndManageOwnAccount(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(directory.RoleReadOnly)
	b.get("/admin/account").wantStatus(t, http.StatusOK).wantText(t, "read_only")
	// Setting up one's own second factor is allowed.
	b.post("/admin/account/totp", nil).wantStatus(t, http.StatusOK).wantText(t, "authenticator app")
	b.post("/admin/logout", nil).wantStatus(t, http.StatusOK)
}

func mustAdmin(t *testing.T, e *env, email string) *directory.Admin {
	t.Helper()
	var a *directory.Admin
	if err := e.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		a, err = tx.GetAdminByEmail(ctx, email)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return a
}

package adminauth_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

func TestSessionLifetime(t *testing.T) { backends(t, testSessionLifetime) }

func testSessionLifetime(t *testing.T, dsn string) {
	e := newEnv(t, dsn)
	e.svc.AbsoluteTimeout = 2 * time.Hour
	a := e.admin(t, "dave", directory.RoleAdmin, goodPW)
	login := func() string {
		t.Helper()
		res, err := e.login(t, a.Email, goodPW, "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		return res.Token
	}
	ok := func(tok string) bool { _, err := e.svc.Authenticate(ctx, tok); return err == nil }

	// Idle timeout (default 30 minutes).
	tok := login()
	e.clock.Add(29 * time.Minute)
	if !ok(tok) {
		t.Fatal("active session refused")
	}
	e.clock.Add(30 * time.Minute)
	if ok(tok) {
		t.Fatal("idle session accepted")
	}
	if !strings.Contains(e.log.String(), "idle timeout") {
		t.Fatal("log lacks the idle timeout")
	}
	// Absolute timeout: active every 20 minutes for 2h40.
	tok = login()
	for i := 0; i < 8; i++ {
		e.clock.Add(20 * time.Minute)
		if ok(tok) != (i < 5) {
			t.Fatalf("step %d: absolute timeout not applied right", i)
		}
	}
	// last_seen is written at most every 15 s.
	tok = login()
	seen := func() int64 {
		var v int64
		if err := e.store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
			return tx.QueryRow(ctx, `SELECT last_seen_at FROM admin_sessions WHERE id_hash = ?`, userauth.HashToken(tok)).Scan(&v)
		}); err != nil {
			t.Fatal(err)
		}
		return v
	}
	first := seen()
	e.clock.Add(10 * time.Second)
	ok(tok)
	if seen() != first {
		t.Fatal("last_seen written within 15 s")
	}
	e.clock.Add(10 * time.Second)
	ok(tok)
	if seen() != sqlstore.TimeValue(e.clock.Now()) {
		t.Fatal("last_seen not written after 15 s")
	}

	// Logout, idempotent.
	if err := e.svc.Logout(ctx, tok); err != nil || ok(tok) {
		t.Fatalf("logout: %v", err)
	}
	if err := e.svc.Logout(ctx, tok); err != nil {
		t.Fatalf("second logout: %v", err)
	}
	if err := e.svc.Logout(ctx, "garbage"); err != nil {
		t.Fatalf("garbage logout: %v", err)
	}

	// Listing and revoking one session by its id.
	tok = login()
	other := login()
	list, err := e.svc.ListSessions(ctx, a.ID)
	if err != nil || len(list) != 2 || list[0].CSRFToken != "" || list[0].Role != directory.RoleAdmin {
		t.Fatalf("sessions: %v %+v", err, list)
	}
	for _, s := range list {
		if s.ID == tok || s.ID == other {
			t.Fatal("listing shows a token")
		}
	}
	if err := e.svc.RevokeSession(ctx, userauth.HashToken(tok)); err != nil || ok(tok) || !ok(other) {
		t.Fatalf("revoke one: %v", err)
	}
	if err := e.svc.RevokeSession(ctx, userauth.HashToken(tok)); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Fatalf("revoke twice: %v", err)
	}

	// Revoking all of an admin's sessions, pending ones included.
	tok = login()
	if n, err := e.svc.RevokeAdminSessions(ctx, a.ID); err != nil || n != 2 || ok(tok) || ok(other) {
		t.Fatalf("revoke all: %d %v", n, err)
	}
	if n, err := e.svc.RevokeAdminSessions(ctx, a.ID); err != nil || n != 0 {
		t.Fatalf("revoke all again: %d %v", n, err)
	}
	if !ok(login()) {
		t.Fatal("new session after revocation refused")
	}

	// A deleted admin's sessions end with it.
	tok = login()
	if err := e.store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM admins WHERE id = ?`, a.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if ok(tok) {
		t.Fatal("deleted admin's session accepted")
	}

	for _, bad := range []string{"", "nope", strings.Repeat("a", 43), strings.Repeat("é", 43), "'; DROP TABLE admins; --"} {
		if _, err := e.svc.Authenticate(ctx, bad); !errors.Is(err, adminauth.ErrNoSession) || directory.ErrorCode(err) != directory.EUNAUTHORIZED {
			t.Fatalf("token %q: %v", bad, err)
		}
		if _, err := e.svc.PendingMFA(ctx, bad); !errors.Is(err, adminauth.ErrNoSession) {
			t.Fatalf("pending token %q: %v", bad, err)
		}
	}
}

func TestUserSessionsAndAdminSessionsAreSeparate(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		e.admin(t, "ivy", directory.RoleAdmin, goodPW)
		res, err := e.login(t, "ivy@example.com", goodPW, "")
		if err != nil {
			t.Fatal(err)
		}
		ua := &userauth.Service{Store: e.store, Hasher: cheap, Now: e.clock.Now}
		if _, err := ua.Authenticate(ctx, res.Token); !errors.Is(err, userauth.ErrNoSession) {
			t.Fatalf("admin token accepted by the user console: %v", err)
		}
	})
}

func TestCSRFAndCookies(t *testing.T) { backends(t, testCSRF) }

func testCSRF(t *testing.T, dsn string) {
	e := newEnv(t, dsn)
	e.admin(t, "gina", directory.RoleAdmin, goodPW)
	res, err := e.login(t, "gina@example.com", goodPW, "")
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.svc.Authenticate(ctx, res.Token)
	if err != nil {
		t.Fatal(err)
	}
	if !adminauth.CheckCSRF(s, s.CSRFToken) {
		t.Fatal("own token refused")
	}
	for _, bad := range []string{"", s.CSRFToken[:10], s.CSRFToken + "x", strings.Repeat("a", len(s.CSRFToken)), res.Token} {
		if adminauth.CheckCSRF(s, bad) {
			t.Fatalf("token %q accepted", bad)
		}
	}
	if adminauth.CheckCSRF(nil, s.CSRFToken) || adminauth.CheckCSRF(&adminauth.Session{}, "") {
		t.Fatal("empty session accepted")
	}
	other, err := e.login(t, "gina@example.com", goodPW, "")
	if err != nil || adminauth.CheckCSRF(s, other.Session.CSRFToken) || other.Session.CSRFToken == s.CSRFToken {
		t.Fatalf("another session's token accepted: %v", err)
	}

	for _, secure := range []bool{false, true} {
		c := adminauth.Cookies{Secure: secure}
		want := map[bool]string{false: "jumpgate_admin", true: "__Host-jumpgate_admin"}[secure]
		if c.Name() != want || c.Name() == (userauth.Cookies{Secure: secure}).Name() {
			t.Fatalf("name %q", c.Name())
		}
		w := httptest.NewRecorder()
		c.Set(w, res.Token)
		ck := w.Result().Cookies()
		if len(ck) != 1 || ck[0].Name != want || ck[0].Value != res.Token || ck[0].Path != "/" || !ck[0].HttpOnly ||
			ck[0].Secure != secure || ck[0].SameSite != http.SameSiteStrictMode || ck[0].Domain != "" {
			t.Fatalf("cookie %+v", ck)
		}
		r := httptest.NewRequest("GET", "/admin/", nil)
		r.AddCookie(ck[0])
		if c.Token(r) != res.Token {
			t.Fatal("token not read back")
		}
		if c.Token(httptest.NewRequest("GET", "/", nil)) != "" {
			t.Fatal("token without a cookie")
		}
		w = httptest.NewRecorder()
		c.Clear(w)
		ck = w.Result().Cookies()
		if len(ck) != 1 || ck[0].Name != want || ck[0].MaxAge >= 0 || ck[0].Value != "" {
			t.Fatalf("clear %+v", ck)
		}
	}
}

func TestAuditAttempts(t *testing.T) { backends(t, testAudit) }

func testAudit(t *testing.T, dsn string) {
	e := newEnv(t, dsn)
	e.svc.MaxPerAccount = 2
	a := e.admin(t, "hal", directory.RoleReadOnly, goodPW)
	_, _ = e.login(t, "hal@example.com", goodPW, "203.0.113.5")
	_, _ = e.login(t, "hal@example.com", "not the password", "203.0.113.5")
	_, _ = e.login(t, "ghost@example.com", "not the password", "203.0.113.5")
	_, _ = e.login(t, "hal@example.com", "not the password", "203.0.113.5")
	_, _ = e.login(t, "hal@example.com", goodPW, "203.0.113.5")
	var got []string
	for _, at := range e.audit.all() {
		if at.ClientIP != "203.0.113.5" || at.Stage != adminauth.StagePassword {
			t.Errorf("attempt %+v", at)
		}
		if strings.Contains(at.Email+at.Reason, "not the password") || strings.Contains(at.Email+at.Reason, goodPW) {
			t.Errorf("secret in attempt %+v", at)
		}
		switch {
		case at.Success:
			got = append(got, "ok:"+at.AdminID)
		default:
			got = append(got, at.Reason+":"+at.AdminID)
		}
	}
	want := strings.Join([]string{"ok:" + a.ID, "wrong password:" + a.ID, "unknown account:", "wrong password:" + a.ID, "throttled:"}, "|")
	if strings.Join(got, "|") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, "|"), want)
	}
	if l := e.log.String(); !strings.Contains(l, "hal@example.com") || !strings.Contains(l, "203.0.113.5") || strings.Contains(l, "not the password") {
		t.Errorf("log:\n%s", l)
	}
}

package adminauth_test

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

func TestPasswordLogin(t *testing.T) { backends(t, testPasswordLogin) }

func testPasswordLogin(t *testing.T, dsn string) {
	e := newEnv(t, dsn)
	a := e.admin(t, "root", directory.RoleAdmin, goodPW)
	ro := e.admin(t, "auditor", directory.RoleReadOnly, goodPW)
	e.admin(t, "keyonly", directory.RoleAdmin, "")

	for _, email := range []string{"root@example.com", " ROOT@Example.com "} {
		res, err := e.login(t, email, goodPW, "10.0.0.1")
		if err != nil {
			t.Fatalf("login %q: %v", email, err)
		}
		if res.NeedsTOTP || res.Session.AdminID != a.ID || res.Session.MFAPending || !res.Session.CanWrite() {
			t.Fatalf("result %+v", res.Session)
		}
		if res.Session.ID != userauth.HashToken(res.Token) || res.Session.ID == res.Token {
			t.Fatal("session id is not the token's hash")
		}
		s, err := e.svc.Authenticate(ctx, res.Token)
		if err != nil {
			t.Fatalf("authenticate: %v", err)
		}
		if s.AdminID != a.ID || s.Email != "root@example.com" || s.Name != "Admin root" || s.Role != directory.RoleAdmin ||
			s.CSRFToken != res.Session.CSRFToken || s.CSRFToken == "" || s.ClientIP != "10.0.0.1" ||
			!s.ExpiresAt.Equal(e.clock.Now().Add(adminauth.DefaultAbsoluteTimeout)) {
			t.Fatalf("session %+v", s)
		}
		if _, err := e.svc.PendingMFA(ctx, res.Token); !errors.Is(err, adminauth.ErrNoSession) {
			t.Fatalf("full session taken as pending: %v", err)
		}
	}

	// A read-only admin signs in but may not write.
	res, err := e.login(t, "auditor@example.com", goodPW, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.svc.Authenticate(ctx, res.Token)
	if err != nil || s.Role != directory.RoleReadOnly || s.CanWrite() || s.AdminID != ro.ID {
		t.Fatalf("read-only session %v %+v", err, s)
	}
	// The role is read on every check: promoting takes effect at once.
	ro.Role, ro.UpdatedAt = directory.RoleAdmin, e.clock.Now()
	if err := e.store.Update(ctx, func(tx directory.Tx) error { return tx.UpdateAdmin(ctx, ro) }); err != nil {
		t.Fatal(err)
	}
	if s, err := e.svc.Authenticate(ctx, res.Token); err != nil || !s.CanWrite() {
		t.Fatalf("promoted session %v %+v", err, s)
	}
	if (*adminauth.Session)(nil).CanWrite() {
		t.Fatal("nil session can write")
	}

	msgs := map[string]bool{}
	for _, c := range []struct{ email, pw, reason string }{
		{"root@example.com", "wrong password!!", "wrong password"},
		{"nobody@example.com", goodPW, "unknown account"},
		{"keyonly@example.com", goodPW, "no password set"},
		{"", goodPW, "empty or oversized input"},
		{"root@example.com", "", "empty or oversized input"},
		{"root@example.com", strings.Repeat("x", 2000), "empty or oversized input"},
		{strings.Repeat("a", 300) + "@example.com", goodPW, "empty or oversized input"},
	} {
		_, err := e.login(t, c.email, c.pw, "10.0.0.2")
		if !errors.Is(err, adminauth.ErrInvalidCredentials) || directory.ErrorCode(err) != directory.EUNAUTHORIZED {
			t.Errorf("%q: err %v, want invalid credentials", c.email, err)
		}
		msgs[directory.ErrorMessage(err)] = true
		if got := e.audit.last(); got.Success || got.Reason != c.reason || got.Stage != adminauth.StagePassword || got.ClientIP != "10.0.0.2" {
			t.Errorf("%q: audit %+v, want reason %q", c.email, got, c.reason)
		}
		if !strings.Contains(e.log.String(), c.reason) {
			t.Errorf("%q: log lacks %q", c.email, c.reason)
		}
	}
	// The caller sees one generic message whatever the reason.
	if len(msgs) != 1 {
		t.Errorf("messages %v", msgs)
	}
	if strings.Contains(e.log.String(), goodPW) || strings.Contains(e.log.String(), "wrong password!!") {
		t.Fatal("password in log")
	}
}

func TestPasswordRehashedWhenParametersChange(t *testing.T) { backends(t, testRehash) }

func testRehash(t *testing.T, dsn string) {
	e := newEnv(t, dsn)
	a := e.admin(t, "hana", directory.RoleAdmin, goodPW)
	e.svc.Hasher.Params.Memory = 128
	for i := 0; i < 2; i++ {
		if _, err := e.login(t, a.Email, goodPW, ""); err != nil {
			t.Fatalf("login %d after a parameter change: %v", i, err)
		}
	}
	var hash string
	if err := e.store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		return tx.QueryRow(ctx, `SELECT password_hash FROM admins WHERE id = ?`, a.ID).Scan(&hash)
	}); err != nil || !strings.Contains(hash, "m=128,") {
		t.Fatalf("stored hash %q %v", hash, err)
	}
	if _, err := e.login(t, a.Email, "wrong wrong wrong", ""); !errors.Is(err, adminauth.ErrInvalidCredentials) {
		t.Fatal(err)
	}
}

func TestThrottling(t *testing.T) { backends(t, testThrottling) }

func testThrottling(t *testing.T, dsn string) {
	e := newEnv(t, dsn)
	e.svc.MaxPerAccount = 3
	e.svc.MaxPerAddress = 5
	e.admin(t, "erin", directory.RoleAdmin, goodPW)
	e.admin(t, "fred", directory.RoleAdmin, goodPW)
	try := func(email, pw, ip string) error {
		_, err := e.login(t, email+"@example.com", pw, ip)
		return err
	}
	for i := 0; i < 3; i++ {
		if err := try("erin", "wrong wrong wrong", "10.0.0."+string(rune('1'+i))); !errors.Is(err, adminauth.ErrInvalidCredentials) {
			t.Fatal(err)
		}
	}
	// Per account: even the right password from a new address is refused.
	err := try("erin", goodPW, "10.9.9.9")
	if !errors.Is(err, adminauth.ErrThrottled) || directory.ErrorCode(err) != directory.ERATELIMITED {
		t.Fatalf("account throttle: %v", err)
	}
	if got := e.audit.last(); got.Reason != "throttled" || got.Success {
		t.Fatalf("audit %+v", got)
	}
	if err := try("ERIN", goodPW, "10.9.9.9"); !errors.Is(err, adminauth.ErrThrottled) {
		t.Fatalf("account throttle ignores case: %v", err)
	}
	if err := try("fred", goodPW, "10.9.9.9"); err != nil {
		t.Fatalf("other account: %v", err)
	}
	// User-console failures do not count against admins (separate keys).
	ua := &userauth.Service{Store: e.store, Hasher: cheap, Now: e.clock.Now, MaxPerAccount: 1, Logger: slog.New(slog.DiscardHandler)}
	_, _ = ua.Login(ctx, userauth.LoginRequest{Login: "fred@example.com", Password: "x", ClientIP: "10.7.7.7"})
	_, _ = ua.Login(ctx, userauth.LoginRequest{Login: "fred@example.com", Password: "x", ClientIP: "10.7.7.7"})
	if err := try("fred", goodPW, "10.7.7.7"); err != nil {
		t.Fatalf("user throttle leaked into admin sign-in: %v", err)
	}
	// The window slides.
	e.clock.Add(adminauth.DefaultThrottleWindow + time.Second)
	if err := try("erin", goodPW, "10.9.9.9"); err != nil {
		t.Fatalf("after window: %v", err)
	}
	// A success clears the account's count.
	for i := 0; i < 2; i++ {
		_ = try("erin", "wrong wrong wrong", "10.0.1.1")
	}
	if err := try("erin", goodPW, "10.0.1.1"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		_ = try("erin", "wrong wrong wrong", "10.0.1.2")
	}
	if err := try("erin", goodPW, "10.0.1.2"); err != nil {
		t.Fatalf("count not cleared by success: %v", err)
	}
	// Per address: failures on many accounts from one address.
	for i := 0; i < 5; i++ {
		_ = try("ghost"+string(rune('a'+i)), "wrong wrong wrong", "192.0.2.7")
	}
	if err := try("fred", goodPW, "192.0.2.7"); !errors.Is(err, adminauth.ErrThrottled) {
		t.Fatalf("address throttle: %v", err)
	}
	if err := try("fred", goodPW, "192.0.2.8"); err != nil {
		t.Fatalf("other address: %v", err)
	}
}

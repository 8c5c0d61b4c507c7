package userauth_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

var ctx = context.Background()

func TestPasswordLogin(t *testing.T) { backends(t, testPasswordLogin) }

func testPasswordLogin(t *testing.T, dsn string) {
	e := newEnv(t, dsn)
	u := e.user(t, "alice", directory.UserActivated, goodPW)
	e.user(t, "sam", directory.UserSuspended, goodPW)
	e.user(t, "stan", directory.UserStaged, goodPW)
	e.user(t, "nopw", directory.UserActivated, "")

	for _, login := range []string{"alice", "ALICE@example.com"} {
		res, err := e.svc.Login(ctx, userauth.LoginRequest{Login: login, Password: goodPW, ClientIP: "10.0.0.1"})
		if err != nil {
			t.Fatalf("login %s: %v", login, err)
		}
		if res.NeedsTOTP || res.Session.UserID != u.ID {
			t.Fatalf("result %+v", res)
		}
		s, err := e.svc.Authenticate(ctx, res.Token)
		if err != nil || s.User.ID != u.ID || s.CSRFToken == "" {
			t.Fatalf("authenticate: %v %+v", err, s)
		}
	}
	for _, c := range []struct{ login, pw, reason string }{
		{"alice", "wrong password!!", "wrong password"},
		{"nobody", goodPW, "unknown account"},
		{"sam", goodPW, "user is suspended"},
		{"stan", goodPW, "user is staged"},
		{"nopw", goodPW, "no password set"},
		{"", goodPW, "empty"},
	} {
		_, err := e.svc.Login(ctx, userauth.LoginRequest{Login: c.login, Password: c.pw, ClientIP: "10.0.0.2"})
		if !errors.Is(err, userauth.ErrInvalidCredentials) {
			t.Errorf("%s: err %v, want invalid credentials", c.login, err)
		}
		if !strings.Contains(e.log.String(), c.reason) {
			t.Errorf("%s: log lacks %q", c.login, c.reason)
		}
	}
	if strings.Contains(e.log.String(), goodPW) {
		t.Fatal("password in log")
	}
}

func TestActivationLink(t *testing.T) { backends(t, testActivationLink) }

func testActivationLink(t *testing.T, dsn string) {
	e := newEnv(t, dsn)
	u := e.user(t, "bob", directory.UserActivated, "")
	link, err := e.svc.CreateActivationLink(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := e.svc.CheckActivation(ctx, link.Token); err != nil || got.ID != u.ID {
		t.Fatalf("check: %v", err)
	}
	if _, err := e.svc.Activate(ctx, link.Token, "short"); directory.ErrorCode(err) != directory.EINVALID {
		t.Fatalf("short password: %v", err)
	}
	if _, err := e.svc.Activate(ctx, link.Token, goodPW); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Activate(ctx, link.Token, goodPW+"x"); !errors.Is(err, userauth.ErrBadActivation) {
		t.Fatalf("second use: %v", err)
	}
	if _, err := e.svc.Login(ctx, userauth.LoginRequest{Login: "bob", Password: goodPW}); err != nil {
		t.Fatalf("login after activation: %v", err)
	}
	// Expiry.
	link2, err := e.svc.CreateActivationLink(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(userauth.DefaultActivationTTL + time.Second)
	if _, err := e.svc.Activate(ctx, link2.Token, goodPW); !errors.Is(err, userauth.ErrBadActivation) {
		t.Fatalf("expired: %v", err)
	}
	for _, bad := range []string{"", "x", strings.Repeat("A", 43), "<script>"} {
		if _, err := e.svc.CheckActivation(ctx, bad); !errors.Is(err, userauth.ErrBadActivation) {
			t.Fatalf("bad token %q: %v", bad, err)
		}
	}
	if _, err := e.svc.CreateActivationLink(ctx, "no-such-user"); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestTOTPAndRecoveryCodes(t *testing.T) { backends(t, testTOTPAndRecoveryCodes) }

func testTOTPAndRecoveryCodes(t *testing.T, dsn string) {
	e := newEnv(t, dsn)
	u := e.user(t, "carol", directory.UserActivated, goodPW)
	enr, err := e.svc.BeginTOTP(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enr.URL, "otpauth://totp/") {
		t.Fatalf("url %s", enr.URL)
	}
	if _, err := e.svc.ConfirmTOTP(ctx, u.ID, "000000"); !errors.Is(err, userauth.ErrBadCode) {
		t.Fatalf("wrong confirm code: %v", err)
	}
	c0, _ := totp.GenerateCode(enr.Secret, e.clock.Now())
	codes, err := e.svc.ConfirmTOTP(ctx, u.ID, c0)
	if err != nil || len(codes) != userauth.RecoveryCodeCount {
		t.Fatalf("confirm: %v %v", err, codes)
	}
	if on, left, _ := e.svc.TOTPEnabled(ctx, u.ID); !on || left != 10 {
		t.Fatalf("enabled %v left %d", on, left)
	}

	login := func() *userauth.LoginResult {
		t.Helper()
		res, err := e.svc.Login(ctx, userauth.LoginRequest{Login: "carol", Password: goodPW})
		if err != nil || !res.NeedsTOTP {
			t.Fatalf("login: %v %+v", err, res)
		}
		if _, err := e.svc.Authenticate(ctx, res.Token); !errors.Is(err, userauth.ErrNoSession) {
			t.Fatal("half-open session usable")
		}
		return res
	}
	// The confirmation code itself cannot be used again.
	res := login()
	if _, err := e.svc.CompleteMFA(ctx, res.Token, c0, ""); !errors.Is(err, userauth.ErrBadCode) {
		t.Fatalf("replayed confirm code: %v", err)
	}
	e.clock.Add(30 * time.Second)
	c1, _ := totp.GenerateCode(enr.Secret, e.clock.Now())
	full, err := e.svc.CompleteMFA(ctx, res.Token, c1, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, full.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.PendingMFA(ctx, res.Token); err == nil {
		t.Fatal("pending session survives completion")
	}
	// The same code within its window is refused.
	res = login()
	if _, err := e.svc.CompleteMFA(ctx, res.Token, c1, ""); !errors.Is(err, userauth.ErrBadCode) {
		t.Fatalf("replayed code: %v", err)
	}
	// Recovery codes work once, with any case and dashes.
	if _, err := e.svc.CompleteMFA(ctx, res.Token, strings.ToUpper(codes[3]), ""); err != nil {
		t.Fatalf("recovery: %v", err)
	}
	res = login()
	if _, err := e.svc.CompleteMFA(ctx, res.Token, codes[3], ""); !errors.Is(err, userauth.ErrBadCode) {
		t.Fatalf("recovery reuse: %v", err)
	}
	if _, left, _ := e.svc.TOTPEnabled(ctx, u.ID); left != 9 {
		t.Fatalf("left %d", left)
	}
}

func TestSessionLifetime(t *testing.T) { backends(t, testSessionLifetime) }

func testSessionLifetime(t *testing.T, dsn string) {
	e := newEnv(t, dsn)
	e.svc.IdleTimeout = 30 * time.Minute
	e.svc.AbsoluteTimeout = 2 * time.Hour
	u := e.user(t, "dave", directory.UserActivated, goodPW)
	login := func() string {
		t.Helper()
		res, err := e.svc.Login(ctx, userauth.LoginRequest{Login: "dave", Password: goodPW})
		if err != nil {
			t.Fatal(err)
		}
		return res.Token
	}
	ok := func(tok string) bool { _, err := e.svc.Authenticate(ctx, tok); return err == nil }

	tok := login()
	e.clock.Add(29 * time.Minute)
	if !ok(tok) {
		t.Fatal("active session refused")
	}
	e.clock.Add(31 * time.Minute)
	if ok(tok) {
		t.Fatal("idle session accepted")
	}
	tok = login()
	for i := 0; i < 8; i++ { // active every 20 minutes for 2h40
		e.clock.Add(20 * time.Minute)
		if ok(tok) != (i < 5) {
			t.Fatalf("step %d: absolute timeout not applied right", i)
		}
	}
	tok = login()
	s, _ := e.svc.Authenticate(ctx, tok)
	if err := e.svc.RevokeSession(ctx, s.ID); err != nil || ok(tok) {
		t.Fatalf("revoke: %v", err)
	}
	tok = login()
	if err := e.svc.Logout(ctx, tok); err != nil || ok(tok) {
		t.Fatalf("logout: %v", err)
	}
	tok = login()
	list, err := e.svc.ListSessions(ctx, u.ID)
	if err != nil || len(list) != 1 || list[0].ID != userauth.HashToken(tok) || list[0].CSRFToken != "" {
		t.Fatalf("sessions: %v %+v", err, list)
	}
	if n, err := e.svc.RevokeUserSessions(ctx, u.ID); err != nil || n < 1 || ok(tok) {
		t.Fatalf("revoke all: %d %v", n, err)
	}
	tok = login()
	e.setState(t, u.ID, directory.UserSuspended)
	if ok(tok) {
		t.Fatal("suspended user's session accepted")
	}
	e.setState(t, u.ID, directory.UserActivated)
	tok = login()
	if err := e.store.Update(ctx, func(tx directory.Tx) error { return tx.DeleteUser(ctx, u.ID) }); err != nil {
		t.Fatal(err)
	}
	if ok(tok) {
		t.Fatal("deleted user's session accepted")
	}
	for _, bad := range []string{"", "nope", strings.Repeat("a", 43)} {
		if ok(bad) {
			t.Fatalf("token %q accepted", bad)
		}
	}
}

func TestThrottling(t *testing.T) { backends(t, testThrottling) }

func testThrottling(t *testing.T, dsn string) {
	e := newEnv(t, dsn)
	e.svc.MaxPerAccount = 3
	e.svc.MaxPerAddress = 5
	e.user(t, "erin", directory.UserActivated, goodPW)
	e.user(t, "fred", directory.UserActivated, goodPW)
	try := func(login, pw, ip string) error {
		_, err := e.svc.Login(ctx, userauth.LoginRequest{Login: login, Password: pw, ClientIP: ip})
		return err
	}
	for i := 0; i < 3; i++ {
		if err := try("erin", "wrong wrong wrong", "10.0.0."+string(rune('1'+i))); !errors.Is(err, userauth.ErrInvalidCredentials) {
			t.Fatal(err)
		}
	}
	// Per account: even the right password from a new address is refused.
	if err := try("erin", goodPW, "10.9.9.9"); !errors.Is(err, userauth.ErrThrottled) {
		t.Fatalf("account throttle: %v", err)
	}
	if err := try("fred", goodPW, "10.9.9.9"); err != nil {
		t.Fatalf("other account: %v", err)
	}
	// The window slides.
	e.clock.Add(userauth.DefaultThrottleWindow + time.Second)
	if err := try("erin", goodPW, "10.9.9.9"); err != nil {
		t.Fatalf("after window: %v", err)
	}
	// Per address: failures on many accounts from one address.
	for i := 0; i < 5; i++ {
		_ = try("ghost"+string(rune('a'+i)), "wrong wrong wrong", "192.0.2.7")
	}
	if err := try("fred", goodPW, "192.0.2.7"); !errors.Is(err, userauth.ErrThrottled) {
		t.Fatalf("address throttle: %v", err)
	}
	if err := try("fred", goodPW, "192.0.2.8"); err != nil {
		t.Fatalf("other address: %v", err)
	}
}

func TestCSRF(t *testing.T) { backends(t, testCSRF) }

func testCSRF(t *testing.T, dsn string) {
	e := newEnv(t, dsn)
	e.user(t, "gina", directory.UserActivated, goodPW)
	res, err := e.svc.Login(ctx, userauth.LoginRequest{Login: "gina", Password: goodPW})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Session
	if !userauth.CheckCSRF(s, s.CSRFToken) {
		t.Fatal("own token refused")
	}
	for _, bad := range []string{"", s.CSRFToken[:10], s.CSRFToken + "x", strings.Repeat("a", len(s.CSRFToken))} {
		if userauth.CheckCSRF(s, bad) {
			t.Fatalf("token %q accepted", bad)
		}
	}
	if userauth.CheckCSRF(nil, s.CSRFToken) {
		t.Fatal("nil session accepted")
	}
	req := func(h map[string]string) bool {
		r := httptest.NewRequest("POST", "https://idp.example.com/console/logout", nil)
		for k, v := range h {
			r.Header.Set(k, v)
		}
		return userauth.SameOrigin(r, "https://idp.example.com")
	}
	if !req(nil) || !req(map[string]string{"Sec-Fetch-Site": "same-origin"}) || !req(map[string]string{"Origin": "https://idp.example.com"}) {
		t.Fatal("same origin refused")
	}
	if req(map[string]string{"Sec-Fetch-Site": "cross-site"}) || req(map[string]string{"Origin": "https://evil.example"}) {
		t.Fatal("cross origin accepted")
	}
}

func TestPasswordRehashedWhenParametersChange(t *testing.T) { backends(t, testPasswordRehash) }

func testPasswordRehash(t *testing.T, dsn string) {
	e := newEnv(t, dsn)
	e.user(t, "hana", directory.UserActivated, goodPW)
	e.svc.Hasher.Params.Memory = 128
	for i := 0; i < 2; i++ {
		if _, err := e.svc.Login(ctx, userauth.LoginRequest{Login: "hana", Password: goodPW}); err != nil {
			t.Fatalf("login %d after a parameter change: %v", i, err)
		}
	}
	if _, err := e.svc.Login(ctx, userauth.LoginRequest{Login: "hana", Password: "wrong wrong wrong"}); !errors.Is(err, userauth.ErrInvalidCredentials) {
		t.Fatal(err)
	}
	var hash string
	if err := e.store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		return tx.QueryRow(ctx, `SELECT password_hash FROM user_credentials`).Scan(&hash)
	}); err != nil || !strings.Contains(hash, "m=128,") {
		t.Fatalf("stored hash %q %v", hash, err)
	}
}

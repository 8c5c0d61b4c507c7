package adminauth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

func TestTOTPAndRecoveryCodes(t *testing.T) { backends(t, testTOTP) }

func testTOTP(t *testing.T, dsn string) {
	e := newEnv(t, dsn)
	e.svc.MaxPerAccount = 50 // TestSecondFactorThrottling covers the limit
	a := e.admin(t, "carol", directory.RoleAdmin, goodPW)
	if on, left, err := e.svc.TOTPEnabled(ctx, a.ID); err != nil || on || left != 0 {
		t.Fatalf("before enrolment: %v %v %d", err, on, left)
	}
	if _, err := e.svc.ConfirmTOTP(ctx, a.ID, "123456"); directory.ErrorCode(err) != directory.EPRECONDITION {
		t.Fatalf("confirm without enrolment: %v", err)
	}
	if _, err := e.svc.BeginTOTP(ctx, "no-such-admin"); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Fatalf("unknown admin: %v", err)
	}
	enr, err := e.svc.BeginTOTP(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enr.URL, "otpauth://totp/") || !strings.Contains(enr.URL, ":carol@example.com?") || !strings.Contains(enr.URL, "issuer=Jumpgate%20admin%20test") {
		t.Fatalf("url %s", enr.URL)
	}
	// The seed is stored sealed, never in the clear, and not in admins.totp_secret.
	var sealed, legacy string
	if err := e.store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT totp_pending FROM admin_totp WHERE admin_id = ?`, a.ID).Scan(&sealed); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT totp_secret FROM admins WHERE id = ?`, a.ID).Scan(&legacy)
	}); err != nil || sealed == "" || strings.Contains(sealed, enr.Secret) || legacy != "" {
		t.Fatalf("stored seed %q legacy %q %v", sealed, legacy, err)
	}
	// Not enabled until confirmed: the password alone still signs in.
	if res, err := e.login(t, a.Email, goodPW, ""); err != nil || res.NeedsTOTP {
		t.Fatalf("login before confirmation: %v %+v", err, res)
	}
	if _, err := e.svc.ConfirmTOTP(ctx, a.ID, "000000"); !errors.Is(err, adminauth.ErrBadCode) {
		t.Fatalf("wrong confirm code: %v", err)
	}
	c0, _ := totp.GenerateCode(enr.Secret, e.clock.Now())
	codes, err := e.svc.ConfirmTOTP(ctx, a.ID, c0)
	if err != nil || len(codes) != userauth.RecoveryCodeCount {
		t.Fatalf("confirm: %v %v", err, codes)
	}
	if on, left, _ := e.svc.TOTPEnabled(ctx, a.ID); !on || left != userauth.RecoveryCodeCount {
		t.Fatalf("enabled %v left %d", on, left)
	}

	login := func() *adminauth.LoginResult {
		t.Helper()
		res, err := e.login(t, a.Email, goodPW, "198.51.100.4")
		if err != nil || !res.NeedsTOTP || !res.Session.MFAPending {
			t.Fatalf("login: %v %+v", err, res)
		}
		if _, err := e.svc.Authenticate(ctx, res.Token); !errors.Is(err, adminauth.ErrNoSession) {
			t.Fatal("half-open session usable")
		}
		if p, err := e.svc.PendingMFA(ctx, res.Token); err != nil || p.AdminID != a.ID || p.Email != a.Email {
			t.Fatalf("pending: %v %+v", err, p)
		}
		return res
	}
	// The confirmation code itself cannot be used again.
	res := login()
	if _, err := e.svc.CompleteMFA(ctx, res.Token, c0, "198.51.100.4"); !errors.Is(err, adminauth.ErrBadCode) {
		t.Fatalf("replayed confirm code: %v", err)
	}
	if got := e.audit.last(); got.Stage != adminauth.StageSecondFactor || got.Reason != "wrong code" || got.AdminID != a.ID || got.Email != a.Email {
		t.Fatalf("audit %+v", got)
	}
	e.clock.Add(30 * time.Second)
	c1, _ := totp.GenerateCode(enr.Secret, e.clock.Now())
	full, err := e.svc.CompleteMFA(ctx, res.Token, c1, "198.51.100.4")
	if err != nil {
		t.Fatal(err)
	}
	if full.Token == res.Token || full.NeedsTOTP || full.Session.MFAPending {
		t.Fatalf("token not rotated or still pending: %+v", full)
	}
	if s, err := e.svc.Authenticate(ctx, full.Token); err != nil || s.AdminID != a.ID || s.MFAPending {
		t.Fatalf("authenticate: %v %+v", err, s)
	}
	if got := e.audit.last(); !got.Success || got.Stage != adminauth.StageSecondFactor {
		t.Fatalf("audit %+v", got)
	}
	if _, err := e.svc.PendingMFA(ctx, res.Token); !errors.Is(err, adminauth.ErrNoSession) {
		t.Fatal("pending session survives completion")
	}
	if _, err := e.svc.CompleteMFA(ctx, res.Token, c1, ""); !errors.Is(err, adminauth.ErrNoSession) {
		t.Fatalf("completed twice: %v", err)
	}
	// The same code within its window is refused.
	res = login()
	if _, err := e.svc.CompleteMFA(ctx, res.Token, c1, ""); !errors.Is(err, adminauth.ErrBadCode) {
		t.Fatalf("replayed code: %v", err)
	}
	// Recovery codes work once, with any case and dashes.
	if _, err := e.svc.CompleteMFA(ctx, res.Token, strings.ToUpper(codes[3]), ""); err != nil {
		t.Fatalf("recovery: %v", err)
	}
	res = login()
	if _, err := e.svc.CompleteMFA(ctx, res.Token, codes[3], ""); !errors.Is(err, adminauth.ErrBadCode) {
		t.Fatalf("recovery reuse: %v", err)
	}
	if _, err := e.svc.CompleteMFA(ctx, res.Token, strings.ReplaceAll(codes[4], "-", ""), ""); err != nil {
		t.Fatalf("recovery without dashes: %v", err)
	}
	if _, left, _ := e.svc.TOTPEnabled(ctx, a.ID); left != userauth.RecoveryCodeCount-2 {
		t.Fatalf("left %d", left)
	}
	// Garbage codes are refused, not errors.
	res = login()
	for _, bad := range []string{"", "12345", "abcdef", strings.Repeat("9", 5000), "<script>"} {
		if _, err := e.svc.CompleteMFA(ctx, res.Token, bad, ""); !errors.Is(err, adminauth.ErrBadCode) {
			t.Fatalf("code %.10q: %v", bad, err)
		}
	}
	// A pending session lasts PendingTimeout.
	e.clock.Add(adminauth.PendingTimeout)
	c2, _ := totp.GenerateCode(enr.Secret, e.clock.Now())
	if _, err := e.svc.CompleteMFA(ctx, res.Token, c2, ""); !errors.Is(err, adminauth.ErrNoSession) {
		t.Fatalf("expired pending session: %v", err)
	}

	// Disabling needs a valid code.
	if err := e.svc.DisableTOTP(ctx, a.ID, "000000"); !errors.Is(err, adminauth.ErrBadCode) {
		t.Fatalf("disable with a wrong code: %v", err)
	}
	if err := e.svc.DisableTOTP(ctx, a.ID, c2); err != nil {
		t.Fatalf("disable: %v", err)
	}
	if on, left, _ := e.svc.TOTPEnabled(ctx, a.ID); on || left != 0 {
		t.Fatalf("after disable: %v %d", on, left)
	}
	if err := e.svc.DisableTOTP(ctx, a.ID, c2); directory.ErrorCode(err) != directory.EPRECONDITION {
		t.Fatalf("disable twice: %v", err)
	}
	if res, err := e.login(t, a.Email, goodPW, ""); err != nil || res.NeedsTOTP {
		t.Fatalf("login after disable: %v %+v", err, res)
	}

	// No code or secret reaches the log or the audit.
	for _, secret := range append([]string{enr.Secret, c0, c1, c2, goodPW}, codes...) {
		if strings.Contains(e.log.String(), secret) {
			t.Fatalf("secret %q in the log", secret)
		}
		for _, at := range e.audit.all() {
			if strings.Contains(at.Email+at.Reason+at.AdminID+at.ClientIP, secret) {
				t.Fatalf("secret %q in the audit", secret)
			}
		}
	}
}

func TestSecondFactorThrottling(t *testing.T) { backends(t, testSecondFactorThrottling) }

func testSecondFactorThrottling(t *testing.T, dsn string) {
	e := newEnv(t, dsn)
	e.svc.MaxPerAccount = 3
	a := e.admin(t, "dora", directory.RoleAdmin, goodPW)
	enr, err := e.svc.BeginTOTP(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	c0, _ := totp.GenerateCode(enr.Secret, e.clock.Now())
	if _, err := e.svc.ConfirmTOTP(ctx, a.ID, c0); err != nil {
		t.Fatal(err)
	}
	// Signing in again with the password does not reset the count of
	// wrong codes.
	for i := 0; i < 3; i++ {
		res, err := e.login(t, a.Email, goodPW, "10.1.1."+string(rune('1'+i)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.CompleteMFA(ctx, res.Token, "000000", "10.1.1.1"); !errors.Is(err, adminauth.ErrBadCode) {
			t.Fatal(err)
		}
	}
	res, err := e.login(t, a.Email, goodPW, "10.1.1.9")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(30 * time.Second)
	c1, _ := totp.GenerateCode(enr.Secret, e.clock.Now())
	if _, err := e.svc.CompleteMFA(ctx, res.Token, c1, "10.1.1.9"); !errors.Is(err, adminauth.ErrThrottled) {
		t.Fatalf("second-factor throttle: %v", err)
	}
	if err := e.svc.DisableTOTP(ctx, a.ID, c1); !errors.Is(err, adminauth.ErrThrottled) {
		t.Fatalf("disable while throttled: %v", err)
	}
	e.clock.Add(adminauth.DefaultThrottleWindow)
	if _, err := e.svc.CompleteMFA(ctx, res.Token, c1, "10.1.1.9"); !errors.Is(err, adminauth.ErrNoSession) {
		t.Fatalf("pending session outlived its timeout: %v", err)
	}
	res, err = e.login(t, a.Email, goodPW, "10.1.1.9")
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := totp.GenerateCode(enr.Secret, e.clock.Now())
	if _, err := e.svc.CompleteMFA(ctx, res.Token, c2, "10.1.1.9"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestCompleteMFAOnce(t *testing.T) { backends(t, testCompleteMFAOnce) }

// Two concurrent completions of one pending session open one full session.
func testCompleteMFAOnce(t *testing.T, dsn string) {
	e := newEnv(t, dsn)
	a := e.admin(t, "olga", directory.RoleAdmin, goodPW)
	enr, err := e.svc.BeginTOTP(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	c0, _ := totp.GenerateCode(enr.Secret, e.clock.Now())
	codes, err := e.svc.ConfirmTOTP(ctx, a.ID, c0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.login(t, a.Email, goodPW, "")
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	for _, code := range codes[:2] {
		go func() {
			_, err := e.svc.CompleteMFA(ctx, res.Token, code, "")
			errs <- err
		}()
	}
	var okN, goneN int
	for range 2 {
		switch err := <-errs; {
		case err == nil:
			okN++
		case errors.Is(err, adminauth.ErrNoSession):
			goneN++
		default:
			t.Fatalf("unexpected %v", err)
		}
	}
	if okN != 1 || goneN != 1 {
		t.Fatalf("%d completions succeeded, %d found no session", okN, goneN)
	}
	if list, err := e.svc.ListSessions(ctx, a.ID); err != nil || len(list) != 1 || list[0].MFAPending {
		t.Fatalf("sessions %v %+v", err, list)
	}
}

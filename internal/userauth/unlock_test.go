package userauth_test

import (
	"errors"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

func TestUnlock(t *testing.T) { backends(t, testUnlock) }

func testUnlock(t *testing.T, dsn string) {
	e := newEnv(t, dsn)
	e.svc.MaxPerAccount = 3
	u := e.user(t, "hana", directory.UserActivated, goodPW)
	try := func(login, pw string) error {
		_, err := e.svc.Login(ctx, userauth.LoginRequest{Login: login, Password: pw, ClientIP: "10.1.1.1"})
		return err
	}
	// Failures count per login typed: 2 under the username, 3 under the e-mail.
	for _, login := range []string{"hana", u.Email, "HANA"} {
		_ = try(login, "wrong wrong wrong")
	}
	_ = try(u.Email, "wrong wrong wrong")
	_ = try(u.Email, "wrong wrong wrong")
	if err := try(u.Email, goodPW); !errors.Is(err, userauth.ErrThrottled) {
		t.Fatalf("before unlock: %v", err)
	}
	n, err := e.svc.Unlock(ctx, u.ID)
	if err != nil || n != 5 {
		t.Fatalf("unlock = %d, %v", n, err)
	}
	if err := try(u.Email, goodPW); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	if _, err := e.svc.Unlock(ctx, "no-such-user"); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Fatalf("unknown user: %v", err)
	}
}

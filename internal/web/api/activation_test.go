package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

func TestActivationLink(t *testing.T) {
	e := newEnv(t)
	if r := e.do("POST", "/api/v1/users/nobody/activation-link", e.adminKey, ""); r.status != http.StatusServiceUnavailable {
		t.Fatalf("without sign-in configured: %d", r.status)
	}
	users := &userauth.Service{Store: e.store.(*sqlstore.Store), Hasher: auth.Hasher{Params: auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}}
	e.handler.Users = users
	e.handler.Service.BaseURL = "https://idp.example.com"
	r := e.do("POST", "/api/v1/users", e.adminKey, `{"username":"zoe","email":"zoe@example.com"}`)
	if r.status != 201 {
		t.Fatalf("create user: %d %s", r.status, r.body)
	}
	var u struct{ ID string }
	r.decode(t, &u)
	if r := e.do("POST", "/api/v1/users/"+u.ID+"/activation-link", e.roKey, ""); r.status != http.StatusForbidden {
		t.Fatalf("read-only key: %d", r.status)
	}
	if r := e.do("POST", "/api/v1/users/"+u.ID+"/activation-link", "", ""); r.status != http.StatusUnauthorized {
		t.Fatalf("no key: %d", r.status)
	}
	if r := e.do("POST", "/api/v1/users/nobody/activation-link", e.adminKey, ""); r.status != http.StatusNotFound {
		t.Fatalf("unknown user: %d", r.status)
	}
	r = e.do("POST", "/api/v1/users/"+u.ID+"/activation-link", e.adminKey, "")
	var link api.ActivationLinkBody
	r.decode(t, &link)
	if r.status != 201 || link.UserID != u.ID || !strings.HasPrefix(link.URL, "https://idp.example.com/activate?token=") || link.Token == "" {
		t.Fatalf("link: %d %s", r.status, r.body)
	}
	if strings.Contains(e.logs.String(), link.Token) {
		t.Fatal("token in the log")
	}
	if _, err := users.Activate(context.Background(), link.Token, "a long enough password"); err != nil {
		t.Fatalf("activate with the link: %v", err)
	}
}

func TestUnlockUser(t *testing.T) {
	e := newEnv(t)
	if r := e.do("POST", "/api/v1/users/nobody/unlock", e.adminKey, ""); r.status != http.StatusServiceUnavailable {
		t.Fatalf("without sign-in configured: %d", r.status)
	}
	users := &userauth.Service{Store: e.store.(*sqlstore.Store), MaxPerAccount: 2,
		Hasher: auth.Hasher{Params: auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}}
	e.handler.Users = users
	r := e.do("POST", "/api/v1/users", e.adminKey, `{"username":"yan","email":"yan@example.com"}`)
	var u struct{ ID string }
	r.decode(t, &u)
	ctx := context.Background()
	if err := users.SetPassword(ctx, u.ID, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		_, _ = users.Login(ctx, userauth.LoginRequest{Login: "yan", Password: "not the password"})
	}
	if _, err := users.Login(ctx, userauth.LoginRequest{Login: "yan", Password: "a long enough password"}); err == nil {
		t.Fatal("not locked out")
	}
	if r := e.do("POST", "/api/v1/users/"+u.ID+"/unlock", e.roKey, ""); r.status != http.StatusForbidden {
		t.Fatalf("read-only key: %d", r.status)
	}
	if r := e.do("POST", "/api/v1/users/nobody/unlock", e.adminKey, ""); r.status != http.StatusNotFound {
		t.Fatalf("unknown user: %d", r.status)
	}
	var body api.UnlockBody
	r = e.do("POST", "/api/v1/users/"+u.ID+"/unlock", e.adminKey, "")
	r.decode(t, &body)
	if r.status != 200 || body.FailuresCleared < 2 {
		t.Fatalf("unlock: %d %s", r.status, r.body)
	}
	if _, err := users.Login(ctx, userauth.LoginRequest{Login: "yan", Password: "a long enough password"}); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
}

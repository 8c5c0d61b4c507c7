package insights_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

func TestLoginEvents(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, s, c := open(t, dsn)
		sealer, err := secrets.New(bytes.Repeat([]byte{7}, secrets.KeySize))
		if err != nil {
			t.Fatal(err)
		}
		ua := &userauth.Service{Store: db, Sealer: sealer, Now: c.Now, MaxPerAccount: 3,
			Hasher:  auth.Hasher{Params: auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}},
			Auditor: insights.AuthRecorder{Store: s}}
		add := func(name string, state directory.UserState) {
			u := &directory.User{ID: uuid.NewString(), Username: name, Email: name + "@example.com", State: state, CreatedAt: c.Now(), UpdatedAt: c.Now()}
			if err := db.Update(ctx, func(tx directory.Tx) error { return tx.CreateUser(ctx, u) }); err != nil {
				t.Fatal(err)
			}
			if err := ua.SetPassword(ctx, u.ID, "correct horse battery"); err != nil {
				t.Fatal(err)
			}
		}
		add("ada", directory.UserActivated)
		add("sam", directory.UserSuspended)
		try := func(login, pw string) {
			_, _ = ua.Login(ctx, userauth.LoginRequest{Login: login, Password: pw, ClientIP: "203.0.113.9"})
		}
		try("ada", "correct horse battery")
		try("ada", "wrong")
		try("sam", "correct horse battery")
		try("nobody", "x")
		try("ada", "wrong")
		try("ada", "wrong")
		try("ada", "correct horse battery") // throttled now
		page, err := s.Query(ctx, insights.Query{EventTypes: []insights.EventType{insights.UserLoginAttempt}, Sort: "ASC"})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range page.Events {
			if e.ClientIP != "203.0.113.9" || e.Service != insights.ServiceUserPortal {
				t.Errorf("event %+v", e)
			}
			if e.Success {
				got = append(got, "ok")
			} else {
				got = append(got, e.ErrorMessage)
			}
		}
		want := "ok|wrong password|user is suspended|unknown account|wrong password|wrong password|throttled"
		if strings.Join(got, "|") != want {
			t.Errorf("got  %s\nwant %s", strings.Join(got, "|"), want)
		}
		if page.Events[1].InitiatedBy.ID == "" {
			t.Errorf("wrong-password event has no user id")
		}
	})
}

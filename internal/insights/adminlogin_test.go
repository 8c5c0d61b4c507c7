package insights_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp/totp"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
)

func TestAdminLoginEvents(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, s, c := open(t, dsn)
		sealer, err := secrets.New(bytes.Repeat([]byte{7}, secrets.KeySize))
		if err != nil {
			t.Fatal(err)
		}
		h := auth.Hasher{Params: auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}
		svc := &adminauth.Service{Store: db, Sealer: sealer, Now: c.Now, Hasher: h, MaxPerAccount: 3,
			Logger: slog.New(slog.DiscardHandler), Auditor: insights.AuthRecorder{Store: s}}
		const pw = "correct horse battery"
		hash, err := h.Hash(pw)
		if err != nil {
			t.Fatal(err)
		}
		adm := &directory.Admin{ID: uuid.NewString(), Email: "root@example.com", Name: "Root", Role: directory.RoleAdmin,
			PasswordHash: hash, CreatedAt: c.Now(), UpdatedAt: c.Now()}
		if err := db.Update(ctx, func(tx directory.Tx) error { return tx.CreateAdmin(ctx, adm) }); err != nil {
			t.Fatal(err)
		}
		try := func(email, pw string) *adminauth.LoginResult {
			res, _ := svc.Login(ctx, adminauth.LoginRequest{Email: email, Password: pw, ClientIP: "203.0.113.9"})
			return res
		}
		try("root@example.com", pw)
		try("root@example.com", "wrong-password-1")
		try("nobody@example.com", "wrong-password-2")
		// A second factor: enrol, then sign in with a wrong and a right code.
		enr, err := svc.BeginTOTP(ctx, adm.ID)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := totp.GenerateCode(enr.Secret, c.Now())
		if _, err := svc.ConfirmTOTP(ctx, adm.ID, code); err != nil {
			t.Fatal(err)
		}
		res := try("root@example.com", pw)
		if res == nil || !res.NeedsTOTP {
			t.Fatalf("login with TOTP: %+v", res)
		}
		_, _ = svc.CompleteMFA(ctx, res.Token, "000000", "203.0.113.9")
		c.Add(30 * time.Second)
		code2, _ := totp.GenerateCode(enr.Secret, c.Now())
		if _, err := svc.CompleteMFA(ctx, res.Token, code2, "203.0.113.9"); err != nil {
			t.Fatal(err)
		}
		try("root@example.com", "wrong-password-3")
		try("root@example.com", "wrong-password-4")
		try("root@example.com", "wrong-password-5")
		try("root@example.com", pw) // throttled now

		page, err := s.Query(ctx, insights.Query{EventTypes: []insights.EventType{insights.AdminLoginAttempt}, Sort: "ASC"})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range page.Events {
			if e.ClientIP != "203.0.113.9" || e.Service != insights.ServiceAdmin || e.Resource == nil || e.Resource.Type != "admin" {
				t.Errorf("event %+v", e)
			}
			if e.InitiatedBy.ID != "" && (e.InitiatedBy.Type != "admin" || e.InitiatedBy.Email != "root@example.com" || e.Resource.ID != adm.ID) {
				t.Errorf("initiator %+v resource %+v", e.InitiatedBy, e.Resource)
			}
			if e.InitiatedBy.ID == "" && e.InitiatedBy.Type != "anonymous" {
				t.Errorf("unknown admin's initiator %+v", e.InitiatedBy)
			}
			if e.Details["reason"] != e.ErrorMessage {
				t.Errorf("details %v, error %q", e.Details, e.ErrorMessage)
			}
			item := e.Details["stage"] + ":"
			if e.Success {
				item += "ok"
			} else {
				item += e.ErrorMessage
			}
			got = append(got, item)
			raw, err := e.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range []string{pw, "wrong-password", "000000", code, code2, enr.Secret, hash} {
				if strings.Contains(string(raw), secret) {
					t.Errorf("event holds a secret %q: %s", secret, raw)
				}
			}
		}
		want := strings.Join([]string{"password:ok", "password:wrong password", "password:unknown account",
			"password:ok", "second_factor:wrong code", "second_factor:ok",
			"password:wrong password", "password:wrong password", "password:wrong password", "password:throttled"}, "|")
		if strings.Join(got, "|") != want {
			t.Errorf("got  %s\nwant %s", strings.Join(got, "|"), want)
		}
		var unknown insights.Event
		for _, e := range page.Events {
			if e.ErrorMessage == "unknown account" {
				unknown = e
			}
		}
		if unknown.InitiatedBy.Email != "nobody@example.com" || unknown.Resource.ID != "" {
			t.Errorf("unknown-account event %+v", unknown)
		}
	})
}

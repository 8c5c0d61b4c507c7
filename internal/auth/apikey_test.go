package auth_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

func TestAPIKeyTokenParseAndCheck(t *testing.T) {
	token, prefix, hash, err := auth.NewAPIKeyToken(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, "jg_"+prefix+"_") || len(token) != 3+12+1+64 {
		t.Fatalf("token = %q", token)
	}
	p, secret, err := auth.ParseAPIKeyToken(token)
	if err != nil || p != prefix {
		t.Fatalf("parse = %q, %v", p, err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	k := &directory.APIKey{Prefix: prefix, SecretHash: hash}
	if err := auth.CheckAPIKey(k, secret, now); err != nil {
		t.Fatalf("good key refused: %v", err)
	}
	wrong := []byte(secret)
	wrong[0] ^= 1
	if err := auth.CheckAPIKey(k, string(wrong), now); !errors.Is(err, auth.ErrKeyMismatch) {
		t.Fatalf("wrong secret err = %v", err)
	}
	past := now.Add(-time.Second)
	revoked := *k
	revoked.RevokedAt = &past
	if err := auth.CheckAPIKey(&revoked, secret, now); !errors.Is(err, auth.ErrKeyRevoked) {
		t.Fatalf("revoked err = %v", err)
	}
	expired := *k
	expired.ExpiresAt = &past
	if err := auth.CheckAPIKey(&expired, secret, now); !errors.Is(err, auth.ErrKeyExpired) {
		t.Fatalf("expired err = %v", err)
	}
	for _, bad := range []string{"", "jg_", "jg_" + prefix, "xx_" + prefix + "_" + secret, "jg_" + prefix + "_" + secret[:63],
		"jg_" + strings.ToUpper(prefix) + "_" + secret, token + "_x", "jg_" + prefix + "_" + secret[:63] + "g"} {
		if _, _, err := auth.ParseAPIKeyToken(bad); !errors.Is(err, auth.ErrKeyMalformed) {
			t.Errorf("ParseAPIKeyToken(%q) err = %v", bad, err)
		}
	}
}

func TestNeedsTouch(t *testing.T) {
	now := time.Now()
	k := &directory.APIKey{}
	if !auth.NeedsTouch(k, now) {
		t.Fatal("never used key should be touched")
	}
	recent := now.Add(-30 * time.Second)
	k.LastUsedAt = &recent
	if auth.NeedsTouch(k, now) {
		t.Fatal("key used 30s ago touched again")
	}
	old := now.Add(-61 * time.Second)
	k.LastUsedAt = &old
	if !auth.NeedsTouch(k, now) {
		t.Fatal("key used 61s ago not touched")
	}
}

func TestAuthenticator(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	token, prefix, hash, _ := auth.NewAPIKeyToken(nil)
	err = st.Update(ctx, func(tx directory.Tx) error {
		if err := tx.CreateAdmin(ctx, &directory.Admin{ID: "a1", Email: "ro@example.com", Role: directory.RoleReadOnly, CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		return tx.CreateAPIKey(ctx, &directory.APIKey{ID: "k1", AdminID: "a1", Name: "t", Prefix: prefix, SecretHash: hash, CreatedAt: now})
	})
	if err != nil {
		t.Fatal(err)
	}
	a := &auth.Authenticator{Store: st, Now: func() time.Time { return now }}
	p, err := a.AuthenticateAPIKey(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if p.Admin.Email != "ro@example.com" || p.CanWrite() {
		t.Fatalf("principal = %+v, want read-only ro@example.com", p.Admin)
	}
	lastUsed := func() *time.Time {
		var got *time.Time
		st.View(ctx, func(tx directory.Tx) error {
			k, err := tx.GetAPIKeyByPrefix(ctx, prefix)
			if err == nil {
				got = k.LastUsedAt
			}
			return err
		})
		return got
	}
	if lu := lastUsed(); lu == nil || !lu.Equal(now) {
		t.Fatalf("last used = %v, want %v", lu, now)
	}
	now = now.Add(20 * time.Second)
	if _, err := a.AuthenticateAPIKey(ctx, token); err != nil {
		t.Fatal(err)
	}
	if lu := lastUsed(); !lu.Equal(now.Add(-20 * time.Second)) {
		t.Fatalf("last used rewritten within a minute: %v", lu)
	}
	for _, bad := range []string{"", "nonsense", "jg_000000000000_" + strings.Repeat("0", 64), token[:len(token)-1] + "0"} {
		if bad == token {
			continue
		}
		_, err := a.AuthenticateAPIKey(ctx, bad)
		if directory.ErrorCode(err) != directory.EUNAUTHORIZED || directory.ErrorMessage(err) != "invalid API key" {
			t.Errorf("AuthenticateAPIKey(%q) = %v, want EUNAUTHORIZED", bad, err)
		}
	}
	st.Update(ctx, func(tx directory.Tx) error { return tx.RevokeAPIKey(ctx, "k1", now) })
	_, err = a.AuthenticateAPIKey(ctx, token)
	if !errors.Is(err, auth.ErrKeyRevoked) {
		t.Fatalf("revoked key err = %v", err)
	}
}

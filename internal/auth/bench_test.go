package auth_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// BenchmarkVerifyPassword measures one login's hashing cost with the
// default parameters.
func BenchmarkVerifyPassword(b *testing.B) {
	h := auth.Hasher{}
	enc, _ := h.Hash("correct horse battery staple")
	for b.Loop() {
		if ok, _, err := h.Verify(enc, "correct horse battery staple"); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkAuthenticateAPIKey measures the per-request cost of an API key
// (SQLite lookup, hash compare; last use already recorded this minute).
func BenchmarkAuthenticateAPIKey(b *testing.B) {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "db.sqlite"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	token, prefix, hash, _ := auth.NewAPIKeyToken(nil)
	st.Update(ctx, func(tx directory.Tx) error {
		tx.CreateAdmin(ctx, &directory.Admin{ID: "a", Email: "a@example.com", Role: directory.RoleAdmin, CreatedAt: now, UpdatedAt: now})
		return tx.CreateAPIKey(ctx, &directory.APIKey{ID: "k", AdminID: "a", Name: "b", Prefix: prefix, SecretHash: hash, CreatedAt: now})
	})
	a := &auth.Authenticator{Store: st, Now: func() time.Time { return now }}
	for b.Loop() {
		if _, err := a.AuthenticateAPIKey(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}

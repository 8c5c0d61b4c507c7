package lifecycle_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// BenchmarkSAMLConfig measures what the SSO endpoints pay per request to
// load an app: three reads, opening the sealed key and parsing it.
func BenchmarkSAMLConfig(b *testing.B) {
	for _, alg := range []string{"rsa2048", "ecdsa-p256"} {
		b.Run(alg, func(b *testing.B) {
			s := newAppServiceTB(b, "sqlite:"+filepath.Join(b.TempDir(), "db.sqlite"))
			ctx := context.Background()
			app, err := s.CreateApp(ctx, actor, lifecycle.NewApp{TemplateID: "custom-saml", Label: "Bench", KeyAlgorithm: alg})
			if err != nil {
				b.Fatal(err)
			}
			configureTB(b, s, app.ID)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.SAMLAppBySlug(ctx, app.Slug); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func newAppServiceTB(tb testing.TB, dsn string) *lifecycle.Service {
	tb.Helper()
	st, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	sealer, err := secrets.New(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		tb.Fatal(err)
	}
	return &lifecycle.Service{Store: st, Sealer: sealer, BaseURL: testBase}
}

func configureTB(tb testing.TB, s *lifecycle.Service, appID string) {
	tb.Helper()
	ctx := context.Background()
	var cur *directory.AppSSO
	err := s.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		cur, err = tx.GetAppSSO(ctx, appID)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	cur.SPEntityID, cur.ACSURLs = "https://sp.example.com", []string{"https://sp.example.com/acs"}
	if _, err := s.PutAppSSO(ctx, actor, appID, *cur); err != nil {
		tb.Fatal(err)
	}
}

package loadgen_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
	"github.com/jumpgate-idp/jumpgate/internal/web"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
	"github.com/jumpgate-idp/jumpgate/internal/web/console"
	"github.com/jumpgate-idp/jumpgate/internal/web/sso"
)

// jumpgate starts an in-process Jumpgate on 127.0.0.1:0 with a temp SQLite
// database, the admin API, the console and the SAML endpoints (as serve
// mounts them, with cheap password hashing), and returns its URL and an
// admin API key. It stops at the end of the test.
func jumpgate(t *testing.T) (string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "jumpgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := secrets.New(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := &lifecycle.Service{Store: st, Sealer: sealer, BaseURL: base}
	users := &userauth.Service{Store: st, Sealer: sealer, Logger: logger, Issuer: "Jumpgate",
		Hasher: auth.Hasher{Params: auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}}
	cat := sso.Catalogue{Service: svc}
	srv := web.NewServer(web.Options{Logger: logger, Ping: st.Ping})
	srv.Mount(
		&api.Handler{Store: st, Service: svc, Auth: &auth.Authenticator{Store: st}, Users: users},
		&sso.Handler{Apps: cat, Users: users, Store: st, IdP: &samlidp.IdP{}, Recorder: sso.SlogRecorder{Logger: logger},
			BaseURL: base, PersistentSecret: []byte("bench-install-secret"), Logger: logger},
		&console.Handler{Users: users, Apps: cat, BaseURL: base, Logger: logger},
	)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server stopped with %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("server did not shut down")
		}
		st.Close()
	})
	admin, err := svc.CreateAdmin(ctx, lifecycle.NewAdmin{Email: "bench@example.com", Name: "Bench", Role: directory.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := svc.CreateAPIKey(ctx, admin.ID, "bench", nil)
	if err != nil {
		t.Fatal(err)
	}
	return base, key
}

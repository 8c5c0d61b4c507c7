package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/web"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

type env struct {
	t        testing.TB
	url      string
	store    directory.Store
	handler  *api.Handler
	adminKey string
	roKey    string
	logs     *syncBuf
}

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvDSN(t, "sqlite:"+filepath.Join(t.TempDir(), "db.sqlite"))
}

// newEnvDSN makes an env with the rate limits off (they have their own
// tests; benchmarks and long tests send many requests with one key).
func newEnvDSN(t testing.TB, dsn string) *env {
	t.Helper()
	return newEnvConf(t, dsn, func(h *api.Handler) { h.RateLimits.Off = true })
}

// newEnvConf makes an env whose handler conf changes before it is mounted.
func newEnvConf(t testing.TB, dsn string, conf func(h *api.Handler)) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := &lifecycle.Service{Store: st, Hasher: auth.Hasher{Params: auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}}
	admin, err := svc.CreateAdmin(ctx, lifecycle.NewAdmin{Email: "admin@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	ro, err := svc.CreateAdmin(ctx, lifecycle.NewAdmin{Email: "ro@example.com", Role: directory.RoleReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	adminKey, _, err := svc.CreateAPIKey(ctx, admin.ID, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	roKey, _, err := svc.CreateAPIKey(ctx, ro.ID, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	h := &api.Handler{Store: st, Service: svc, Auth: &auth.Authenticator{Store: st}}
	conf(h)
	logs := &syncBuf{}
	srv := web.NewServer(web.Options{Logger: slog.New(slog.NewTextHandler(logs, nil)), Ping: st.Ping})
	srv.Mount(h)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &env{t: t, url: ts.URL, store: st, handler: h, adminKey: adminKey, roKey: roKey, logs: logs}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r reply) err(t *testing.T) web.ErrorDetail {
	t.Helper()
	var eb web.ErrorBody
	r.decode(t, &eb)
	return eb.Error
}

func (e *env) do(method, path, key, body string) reply {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// must does a request with the admin key and checks the status.
func (e *env) must(method, path, body string, status int) reply {
	e.t.Helper()
	r := e.do(method, path, e.adminKey, body)
	if r.status != status {
		e.t.Fatalf("%s %s = %d %s, want %d", method, path, r.status, r.body, status)
	}
	return r
}

// counts returns the numbers of users, groups, memberships and changes, to
// check that a refused request wrote nothing.
func (e *env) counts() [4]int {
	e.t.Helper()
	ctx := context.Background()
	var c [4]int
	err := e.store.View(ctx, func(tx directory.Tx) error {
		_, nu, err := tx.ListUsers(ctx, directory.UserFilter{Limit: 1})
		if err != nil {
			return err
		}
		gs, ng, err := tx.ListGroups(ctx, directory.GroupFilter{Limit: directory.MaxPageSize})
		if err != nil {
			return err
		}
		for _, g := range gs {
			c[2] += g.MemberCount
		}
		cs, err := tx.ListChanges(ctx, directory.ChangeFilter{Limit: directory.MaxPageSize})
		c[0], c[1], c[3] = nu, ng, len(cs)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

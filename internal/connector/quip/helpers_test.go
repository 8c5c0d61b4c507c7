package quip_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/connector/quip"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
)

// sent is one recorded request.
type sent struct {
	Method, Path string
	Body         []byte
}

// recorder is a Doer that records every request it forwards.
type recorder struct {
	next connector.Doer
	mu   sync.Mutex
	reqs []sent
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, sent{req.Method, req.URL.Path, body})
	r.mu.Unlock()
	return r.next.Do(req)
}

func (r *recorder) take() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

type env struct {
	t       testing.TB
	sim     *quipsim.Server
	srv     *httptest.Server
	company quipsim.Company
	token   string
	rec     *recorder
	conn    *quip.Connector
}

func newEnv(t testing.TB, mod func(*quipsim.Config)) *env {
	t.Helper()
	cfg := quipsim.Config{DB: filepath.Join(t.TempDir(), "quip.db"), RateLimit: -1}
	if mod != nil {
		mod(&cfg)
	}
	ctx := context.Background()
	sim, err := quipsim.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	co, err := sim.CreateCompany(ctx, "acme", true, []string{"acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := sim.IssueToken(ctx, co.ID)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	e := &env{t: t, sim: sim, srv: srv, company: co, token: tok, rec: &recorder{next: srv.Client()}}
	e.conn = e.connector(connector.Config{})
	return e
}

// connector returns a Quip connector on the guide's pasted base URL,
// sending through the recorder; fields of over override the defaults.
func (e *env) connector(over connector.Config) *quip.Connector {
	e.t.Helper()
	cfg := over
	cfg.Kind = quip.Kind
	if cfg.BaseURL == "" {
		cfg.BaseURL = e.srv.URL + "/business/admin/scim"
	}
	if cfg.Token == "" {
		cfg.Token = e.token
	}
	if cfg.Doer == nil {
		cfg.Doer = e.rec
	}
	cfg.GroupsEnabled = true
	c, err := quip.New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) createUser(email, given, family string) *connector.RemoteUser {
	e.t.Helper()
	u, err := e.conn.CreateUser(context.Background(), connector.User{Email: email, GivenName: given, FamilyName: family,
		DisplayName: given + " " + family, Active: true})
	if err != nil {
		e.t.Fatalf("create %s: %v", email, err)
	}
	return u
}

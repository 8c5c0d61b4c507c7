package quipsim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
)

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t       testing.TB
	srv     *quipsim.Server
	http    *httptest.Server
	company quipsim.Company
	token   string
	clock   *clock
}

func newEnv(t testing.TB, mod func(*quipsim.Config)) *env {
	t.Helper()
	ck := &clock{t: time.Date(2026, 3, 1, 10, 0, 30, 0, time.UTC)}
	cfg := quipsim.Config{DB: filepath.Join(t.TempDir(), "quip.db"), Now: ck.Now, RateLimit: -1}
	if mod != nil {
		mod(&cfg)
	}
	ctx := context.Background()
	srv, err := quipsim.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c, err := srv.CreateCompany(ctx, "acme", true, []string{"acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := srv.IssueToken(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &env{t: t, srv: srv, http: hs, company: c, token: tok, clock: ck}
}

type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, r.Body)
	}
	return m
}

func (e *env) doTok(tok, method, path string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.http.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	res, err := e.http.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

func (e *env) do(method, path string, body any) resp {
	e.t.Helper()
	return e.doTok(e.token, method, path, body)
}

func userBody(email, given, family string) map[string]any {
	return map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": "sent-" + email,
		"name":     map[string]any{"givenName": given, "familyName": family},
		"emails":   []any{map[string]any{"value": email, "type": "home", "primary": true}},
		"active":   true,
	}
}

func (e *env) createUser(email, given, family string) map[string]any {
	e.t.Helper()
	r := e.do("POST", "/2/Users", userBody(email, given, family))
	if r.Status != 201 {
		e.t.Fatalf("create user: %d %s", r.Status, r.Body)
	}
	return r.JSON(e.t)
}

// wantError checks a SCIM error answer.
func wantError(t *testing.T, r resp, status int, scimType string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/scim+json" {
		t.Errorf("Content-Type %q", ct)
	}
	m := r.JSON(t)
	if s, _ := m["status"].(string); s != itoa(status) {
		t.Errorf("status field %v, want string %q", m["status"], itoa(status))
	}
	if got, _ := m["scimType"].(string); got != scimType {
		t.Errorf("scimType %q, want %q (%s)", got, scimType, r.Body)
	}
	if schemas, _ := m["schemas"].([]any); len(schemas) != 1 || schemas[0] != "urn:ietf:params:scim:api:messages:2.0:Error" {
		t.Errorf("schemas %v", m["schemas"])
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func resources(t *testing.T, r resp) []map[string]any {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	var lr struct {
		Resources []map[string]any
	}
	if err := json.Unmarshal(r.Body, &lr); err != nil {
		t.Fatal(err)
	}
	return lr.Resources
}

func newReq(method, url string, body io.Reader, tok, ct string) (*http.Request, error) {
	r, err := http.NewRequest(method, url, body)
	if err != nil {
		return nil, err
	}
	r.Header.Set("Authorization", "Bearer "+tok)
	r.Header.Set("Content-Type", ct)
	return r, nil
}

func newHTTP(t *testing.T, h http.Handler) *httptest.Server {
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs
}

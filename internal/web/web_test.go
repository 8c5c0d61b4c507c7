package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type routes struct{}

func (routes) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) {
		web.Logger(r.Context()).Info("inside handler")
		if r.PathValue("id") == "panic" {
			panic("boom")
		}
		if r.PathValue("id") == "missing" {
			web.WriteError(w, r, directory.NotFound("thing", "missing"))
			return
		}
		if r.PathValue("id") == "secret" {
			web.WriteError(w, r, errors.New("db password is hunter2"))
			return
		}
		web.WriteJSON(w, 200, map[string]string{"id": r.PathValue("id"), "rid": web.RequestID(r.Context())})
	})
}

func newServer(t *testing.T, ping func(context.Context) error) (*httptest.Server, *syncBuf) {
	logs := &syncBuf{}
	s := web.NewServer(web.Options{Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Ping: ping, ReadyTimeout: 100 * time.Millisecond})
	s.Mount(routes{})
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts, logs
}

func get(t *testing.T, url string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestRequestIDAndHeaders(t *testing.T) {
	ts, logs := newServer(t, nil)
	resp, body := get(t, ts.URL+"/things/1", map[string]string{"X-Request-ID": "abc-123"})
	if resp.Header.Get("X-Request-ID") != "abc-123" || !strings.Contains(body, `"rid":"abc-123"`) {
		t.Fatalf("request id not kept: %v %s", resp.Header, body)
	}
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
		if resp.Header.Get(k) != v {
			t.Errorf("%s = %q", k, resp.Header.Get(k))
		}
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("CSP = %q", resp.Header.Get("Content-Security-Policy"))
	}
	var handlerLine, accessLine bool
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		json.Unmarshal([]byte(line), &m)
		if m["msg"] == "inside handler" && m["request_id"] == "abc-123" {
			handlerLine = true
		}
		if m["msg"] == "request" && m["request_id"] == "abc-123" && m["route"] == "GET /things/{id}" && m["status"] == float64(200) {
			accessLine = true
		}
	}
	if !handlerLine || !accessLine {
		t.Fatalf("logs lack request id lines:\n%s", logs)
	}
	resp, _ = get(t, ts.URL+"/things/1", map[string]string{"X-Request-ID": "bad id with spaces and ünicode"})
	if id := resp.Header.Get("X-Request-ID"); id == "" || strings.Contains(id, " ") {
		t.Fatalf("insane request id kept: %q", id)
	}
	resp, _ = get(t, ts.URL+"/nope", nil)
	if resp.StatusCode != 404 || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("unmatched: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestErrorsAndPanics(t *testing.T) {
	ts, logs := newServer(t, nil)
	resp, body := get(t, ts.URL+"/things/missing", map[string]string{"X-Request-ID": "r1"})
	var eb web.ErrorBody
	json.Unmarshal([]byte(body), &eb)
	if resp.StatusCode != 404 || eb.Error.Code != "not_found" || eb.Error.RequestID != "r1" {
		t.Fatalf("not found = %d %s", resp.StatusCode, body)
	}
	resp, body = get(t, ts.URL+"/things/secret", nil)
	if resp.StatusCode != 500 || strings.Contains(body, "hunter2") || !strings.Contains(body, `"internal error"`) {
		t.Fatalf("internal error leaked: %d %s", resp.StatusCode, body)
	}
	resp, body = get(t, ts.URL+"/things/panic", map[string]string{"X-Request-ID": "p1"})
	json.Unmarshal([]byte(body), &eb)
	if resp.StatusCode != 500 || eb.Error.Code != "internal" || eb.Error.RequestID != "p1" {
		t.Fatalf("panic answer = %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(logs.String(), `"msg":"panic"`) || !strings.Contains(logs.String(), "goroutine") {
		t.Fatalf("panic not logged with stack:\n%s", logs)
	}
	// The server still answers after a panic.
	if resp, _ := get(t, ts.URL+"/healthz", nil); resp.StatusCode != 200 {
		t.Fatalf("healthz after panic = %d", resp.StatusCode)
	}
}

func TestStatusTable(t *testing.T) {
	want := map[string]int{
		directory.EINVALID: 400, directory.EUNAUTHORIZED: 401, directory.EFORBIDDEN: 403, directory.ENOTFOUND: 404,
		directory.ECONFLICT: 409, directory.EPRECONDITION: 409, directory.ETOOLARGE: 413, directory.ERATELIMITED: 429,
		directory.EINTERNAL: 500, directory.EUNAVAILABLE: 503, "something-new": 500,
	}
	for code, status := range want {
		if got := web.Status(code); got != status {
			t.Errorf("Status(%s) = %d, want %d", code, got, status)
		}
	}
}

func TestReadyzAndMetrics(t *testing.T) {
	var fail bool
	var mu sync.Mutex
	ts, _ := newServer(t, func(ctx context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			<-ctx.Done() // a hung database
			return ctx.Err()
		}
		return nil
	})
	if resp, _ := get(t, ts.URL+"/readyz", nil); resp.StatusCode != 200 {
		t.Fatalf("readyz = %d", resp.StatusCode)
	}
	mu.Lock()
	fail = true
	mu.Unlock()
	resp, body := get(t, ts.URL+"/readyz", nil)
	if resp.StatusCode != 503 || !strings.Contains(body, "unavailable") {
		t.Fatalf("readyz with a hung db = %d %s", resp.StatusCode, body)
	}
	get(t, ts.URL+"/things/7", nil)
	get(t, ts.URL+"/things/8", nil)
	_, metrics := get(t, ts.URL+"/metrics", nil)
	if !strings.Contains(metrics, `jumpgate_http_requests_total{route="GET /things/{id}",status="200"} 2`) {
		t.Fatalf("metrics lack the route counter:\n%s", metrics)
	}
	if !strings.Contains(metrics, `jumpgate_http_request_duration_seconds_count{route="GET /things/{id}"} 2`) {
		t.Fatal("metrics lack the duration histogram")
	}
}

func TestGracefulShutdown(t *testing.T) {
	s := web.NewServer(web.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), ShutdownTimeout: 5 * time.Second})
	release := make(chan struct{})
	started := make(chan struct{})
	s.Mount(mountFunc(func(mux *http.ServeMux) {
		mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-release
			w.Write([]byte("done"))
		})
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	cancel()
	time.Sleep(50 * time.Millisecond)
	close(release)
	if b := <-got; b != "done" {
		t.Fatalf("request in flight got %q", b)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve = %v", err)
	}
}

type mountFunc func(*http.ServeMux)

func (f mountFunc) Mount(mux *http.ServeMux) { f(mux) }

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/testenv"
)

// buildJumpgate builds the jumpgate binary into a temp directory.
func buildJumpgate(t *testing.T) string {
	t.Helper()
	goBin := testenv.Command(t, "go")
	bin := filepath.Join(t.TempDir(), "jumpgate")
	cmd := exec.Command(goBin, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// replica is one `jumpgate serve` process.
type replica struct {
	name string
	addr string // host:port it listens on
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan struct{}
	err  error
}

// publicBase is every replica's --base-url: the address of the load
// balancer in front of them (lbClient).
const publicBase = "http://jumpgate.test"

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startReplica runs `jumpgate serve` on dsn with its outgoing HTTP (the
// SCIM calls) through httpProxy, and waits until /readyz answers 200. It
// is stopped with SIGTERM at the end of the test unless it died before.
func startReplica(t *testing.T, bin, name, dsn, httpProxy string) *replica {
	t.Helper()
	r := &replica{name: name, addr: freeAddr(t), logs: &syncBuffer{}, done: make(chan struct{})}
	r.cmd = exec.Command(bin, "serve", "--addr", r.addr, "--base-url", publicBase, "--db", dsn,
		"--provision-lease-ttl", "3s", "--log-level", "warn")
	r.cmd.Env = []string{"JUMPGATE_MASTER_KEY=" + testMasterKey, "HTTP_PROXY=" + httpProxy, "HOME=" + t.TempDir(),
		"PATH=" + os.Getenv("PATH")}
	r.cmd.Stdout, r.cmd.Stderr = r.logs, r.logs
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.err = r.cmd.Wait(); close(r.done) }()
	t.Cleanup(func() {
		select {
		case <-r.done:
			return
		default:
		}
		_ = r.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-r.done:
			if r.err != nil {
				t.Errorf("replica %s stopped with %v:\n%s", r.name, r.err, tail(r.logs.String(), 3000))
			}
		case <-time.After(20 * time.Second):
			_ = r.cmd.Process.Kill()
			t.Errorf("replica %s did not stop on SIGTERM", r.name)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get("http://" + r.addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return r
			}
		}
		select {
		case <-r.done:
			t.Fatalf("replica %s ended at start: %v\n%s", name, r.err, r.logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica %s not ready after 30 s:\n%s", name, r.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends the replica with SIGKILL: no shutdown, leases left as they are.
func (r *replica) kill(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-r.done
}

func (r *replica) url() string { return "http://" + r.addr }

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// lbClient is a browser behind a load balancer: it talks to publicBase,
// and every connection goes to the replica last chosen with use, so one
// cookie jar follows the user from replica to replica.
type lbClient struct {
	*http.Client
	target atomic.Pointer[replica]
}

func newLBClient() *lbClient {
	c := &lbClient{}
	jar, _ := cookiejar.New(nil)
	var d net.Dialer
	c.Client = &http.Client{Jar: jar, Transport: &http.Transport{DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, c.target.Load().addr)
		}}}
	return c
}

func (c *lbClient) use(r *replica) { c.target.Store(r) }

// scimCall is one request a replica sent to Quip.
type scimCall struct {
	replica string
	method  string
	path    string
	email   string // the e-mail looked up or created, when there is one
	status  int    // quipsim's answer (0: none, the caller went away)
}

// scimLog records the SCIM calls that reach quipsim, per replica: each
// replica's HTTP_PROXY is a recording front of the same quipsim.
type scimLog struct {
	mu    sync.Mutex
	calls []scimCall
}

var emailFilterRE = regexp.MustCompile(`emails(?:\.value)?\s+eq\s+"?([^"\s)]+)"?`)

// front returns the proxy of one replica: it records each call and hands
// it to next (quipsim).
func (l *scimLog) front(name string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := scimCall{replica: name, method: r.Method, path: r.URL.Path}
		if m := emailFilterRE.FindStringSubmatch(r.URL.Query().Get("filter")); m != nil {
			c.email = strings.ToLower(m[1])
		}
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Users") {
			body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			r.Body = io.NopCloser(bytes.NewReader(body))
			var u struct {
				Emails []struct{ Value string } `json:"emails"`
			}
			if json.Unmarshal(body, &u) == nil && len(u.Emails) > 0 {
				c.email = strings.ToLower(u.Emails[0].Value)
			}
		}
		// A proxied request carries the absolute URL; quipsim routes on the path.
		r.URL.Scheme, r.URL.Host = "", ""
		r.RequestURI = r.URL.RequestURI()
		sw := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		c.status = sw.status
		l.mu.Lock()
		l.calls = append(l.calls, c)
		l.mu.Unlock()
	})
}

// statusRecorder keeps the status of an answer.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// since returns the calls recorded from index i on.
func (l *scimLog) since(i int) []scimCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]scimCall(nil), l.calls[i:]...)
}

func (l *scimLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.calls)
}

// userCalls counts, per e-mail, user creations that Quip answered 201 and
// look-ups by e-mail, and the successful creations per replica.
func userCalls(calls []scimCall) (creates, lookups map[string]int, byReplica map[string]int) {
	creates, lookups, byReplica = map[string]int{}, map[string]int{}, map[string]int{}
	for _, c := range calls {
		switch {
		case c.method == http.MethodPost && strings.HasSuffix(c.path, "/Users") && c.status == http.StatusCreated:
			creates[c.email]++
			byReplica[c.replica]++
		case c.method == http.MethodGet && c.email != "":
			lookups[c.email]++
		}
	}
	return creates, lookups, byReplica
}

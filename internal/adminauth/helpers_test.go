package adminauth_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

var ctx = context.Background()

const goodPW = "correct horse battery"

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

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// auditLog keeps every attempt it receives.
type auditLog struct {
	mu sync.Mutex
	a  []adminauth.Attempt
}

func (l *auditLog) AdminLoginAttempt(_ context.Context, a adminauth.Attempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.a = append(l.a, a)
}

func (l *auditLog) all() []adminauth.Attempt {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]adminauth.Attempt(nil), l.a...)
}

func (l *auditLog) last() adminauth.Attempt {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.a) == 0 {
		return adminauth.Attempt{}
	}
	return l.a[len(l.a)-1]
}

type env struct {
	svc   *adminauth.Service
	life  *lifecycle.Service
	store *sqlstore.Store
	clock *clock
	log   *syncBuf
	audit *auditLog
}

var cheap = auth.Hasher{Params: auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}

func newEnv(t *testing.T, dsn string) *env {
	t.Helper()
	st, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, err := secrets.New(bytes.Repeat([]byte{9}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)}
	buf, al := &syncBuf{}, &auditLog{}
	svc := &adminauth.Service{
		Store: st, Sealer: sealer, Now: c.Now, Hasher: cheap, Issuer: "Jumpgate admin test",
		Logger:  slog.New(slog.NewTextHandler(buf, nil)),
		Auditor: al,
	}
	life := &lifecycle.Service{Store: st, Now: c.Now, Hasher: cheap}
	return &env{svc: svc, life: life, store: st, clock: c, log: buf, audit: al}
}

// admin creates an administrator named name@example.com with role and
// password pw (none when "").
func (e *env) admin(t *testing.T, name string, role directory.AdminRole, pw string) *directory.Admin {
	t.Helper()
	a, err := e.life.CreateAdmin(ctx, lifecycle.NewAdmin{Email: name + "@example.com", Name: "Admin " + name, Role: role, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (e *env) login(t *testing.T, email, pw, ip string) (*adminauth.LoginResult, error) {
	t.Helper()
	return e.svc.Login(ctx, adminauth.LoginRequest{Email: email, Password: pw, ClientIP: ip})
}

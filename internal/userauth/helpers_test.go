package userauth_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

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

type env struct {
	svc   *userauth.Service
	store *sqlstore.Store
	clock *clock
	log   *syncBuf
}

func newEnv(t *testing.T, dsn string) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key := bytes.Repeat([]byte{7}, secrets.KeySize)
	sealer, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)}
	buf := &syncBuf{}
	svc := &userauth.Service{
		Store: st, Sealer: sealer, Now: c.Now, Issuer: "Jumpgate test",
		Hasher: auth.Hasher{Params: auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}},
		Logger: slog.New(slog.NewTextHandler(buf, nil)),
	}
	return &env{svc: svc, store: st, clock: c, log: buf}
}

// user creates a directory user in state with password pw (none when "").
func (e *env) user(t *testing.T, name string, state directory.UserState, pw string) *directory.User {
	t.Helper()
	ctx := context.Background()
	now := e.clock.Now()
	u := &directory.User{ID: uuid.NewString(), Username: name, Email: name + "@example.com", FirstName: "F", LastName: "L", State: state, CreatedAt: now, UpdatedAt: now}
	if err := e.store.Update(ctx, func(tx directory.Tx) error { return tx.CreateUser(ctx, u) }); err != nil {
		t.Fatal(err)
	}
	if pw != "" {
		if err := e.svc.SetPassword(ctx, u.ID, pw); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

func (e *env) setState(t *testing.T, id string, state directory.UserState) {
	t.Helper()
	ctx := context.Background()
	if err := e.store.Update(ctx, func(tx directory.Tx) error {
		u, err := tx.GetUser(ctx, id)
		if err != nil {
			return err
		}
		u.State = state
		return tx.UpdateUser(ctx, u)
	}); err != nil {
		t.Fatal(err)
	}
}

const goodPW = "correct horse battery"

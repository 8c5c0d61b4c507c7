package insights_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/sqlstore/sqltest"

	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// backends runs fn against a temp SQLite file and, when
// JUMPGATE_TEST_POSTGRES is set (always under CI), a fresh PostgreSQL schema.
func backends(t *testing.T, fn func(t *testing.T, dsn string)) { sqltest.Backends(t, fn) }

// postgresDSN returns the DSN of a new schema of the test database, dropped
// when t ends.
func postgresDSN(t *testing.T) string { return sqltest.PostgresDSN(t) }

func postgresDSNB(t testing.TB) string { return sqltest.PostgresDSN(t) }

// open opens dsn and returns an insights store with a fixed clock.
func open(t *testing.T, dsn string) (*sqlstore.Store, *insights.Store, *clock) {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	s := insights.New(db)
	s.Now = c.Now
	return db, s, c
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

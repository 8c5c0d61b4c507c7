package insights_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/testenv"
)

// backends runs fn against a temp SQLite file and, when
// JUMPGATE_TEST_POSTGRES is set (always under CI), a fresh PostgreSQL schema.
func backends(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, "sqlite:"+filepath.Join(t.TempDir(), "db.sqlite")) })
	t.Run("postgres", func(t *testing.T) { fn(t, postgresDSN(t)) })
}

// postgresDSN returns the DSN of a new schema of the test database, dropped
// when t ends.
func postgresDSN(t *testing.T) string { return postgresDSNB(t) }

func postgresDSNB(t testing.TB) string {
	t.Helper()
	base := testenv.PostgresURL(t)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `BEGIN; SELECT pg_advisory_xact_lock(4242);
		CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public; COMMIT`); err != nil {
		t.Fatalf("create pg_trgm: %v", err)
	}
	var b [8]byte
	rand.Read(b[:])
	schema := "insightstest_" + hex.EncodeToString(b[:])
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String()
}

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

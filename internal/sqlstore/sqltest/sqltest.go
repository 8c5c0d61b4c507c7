package sqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/jumpgate-idp/jumpgate/internal/testenv"
)

// SQLiteDSN returns the DSN of a new database file in a temp directory.
func SQLiteDSN(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "jumpgate.db")
}

// PostgresDSN returns the DSN of a new schema of the test database
// (JUMPGATE_TEST_POSTGRES), dropped when t ends. Without PostgreSQL the test
// is skipped, or fails under CI=true.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := testenv.PostgresURL(t)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	// pg_trgm lives in public, shared by every test schema; the lock keeps
	// concurrent test binaries from racing to create it.
	if _, err := db.ExecContext(ctx, `BEGIN; SELECT pg_advisory_xact_lock(4242);
		CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public; COMMIT`); err != nil {
		t.Fatalf("create pg_trgm: %v", err)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "test_" + hex.EncodeToString(b[:])
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

// Backends runs fn as a subtest against a temp SQLite file ("sqlite") and a
// fresh PostgreSQL schema ("postgres").
func Backends(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLiteDSN(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, PostgresDSN(t)) })
}

package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/directory/storetest"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/testenv"
)

func openT(t testing.TB, dsn string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("Open(%q): %v", dsn, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// sqliteFileDSN returns the DSN of a new database file in a temp directory.
func sqliteFileDSN(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "jumpgate.db")
}

// postgresDSN returns the DSN of a fresh schema of the test database, dropped
// when t ends, or skips (fails under CI) without PostgreSQL.
func postgresDSN(t testing.TB) string {
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
	rand.Read(b[:])
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

func TestConformanceSQLiteFile(t *testing.T) {
	storetest.Run(t, func(t *testing.T) directory.Store { return openT(t, sqliteFileDSN(t)) })
}

// TestConformanceSQLiteDense runs the suite with every search of more than
// one match taking the LIKE path that large result sets take.
func TestConformanceSQLiteDense(t *testing.T) {
	storetest.Run(t, func(t *testing.T) directory.Store {
		s, err := sqlstore.Open(context.Background(), "sqlite::memory:", sqlstore.WithDenseMatches(1))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestConformanceSQLiteMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) directory.Store { return openT(t, "sqlite::memory:") })
}

func TestConformancePostgres(t *testing.T) {
	testenv.PostgresURL(t)
	storetest.Run(t, func(t *testing.T) directory.Store { return openT(t, postgresDSN(t)) })
}

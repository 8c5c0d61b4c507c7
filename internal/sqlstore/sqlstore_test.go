package sqlstore_test

import (
	"context"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/sqlstore/sqltest"

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
func sqliteFileDSN(t testing.TB) string { return sqltest.SQLiteDSN(t) }

// postgresDSN returns the DSN of a fresh schema of the test database, dropped
// when t ends, or skips (fails under CI) without PostgreSQL.
func postgresDSN(t testing.TB) string { return sqltest.PostgresDSN(t) }

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

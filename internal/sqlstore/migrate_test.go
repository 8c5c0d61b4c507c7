package sqlstore_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

func TestMigrationsMatchAcrossDialects(t *testing.T) {
	lite, err := sqlstore.Migrations(sqlstore.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := sqlstore.Migrations(sqlstore.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 || len(lite) != len(pg) {
		t.Fatalf("%d sqlite migrations, %d postgres", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Version != pg[i].Version || lite[i].Name != pg[i].Name {
			t.Errorf("migration %d: sqlite %s, postgres %s", i, lite[i].Name, pg[i].Name)
		}
		if i > 0 && lite[i].Version <= lite[i-1].Version {
			t.Errorf("versions not increasing at %s", lite[i].Name)
		}
	}
}

func countMigrations(t *testing.T, s *sqlstore.Store) int {
	t.Helper()
	var n int
	err := s.ViewTx(context.Background(), func(tx *sqlstore.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT count(*) FROM schema_migrations").Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func testOpenTwice(t *testing.T, dsn, dialect string) {
	ms, _ := sqlstore.Migrations(dialect)
	a := openT(t, dsn)
	if a.Dialect() != dialect {
		t.Fatalf("Dialect() = %q", a.Dialect())
	}
	createOne(t, a)
	a.Close()
	b := openT(t, dsn)
	if n := countMigrations(t, b); n != len(ms) {
		t.Fatalf("schema_migrations has %d rows, want %d", n, len(ms))
	}
	if n := countUsers(t, b); n != 1 {
		t.Fatalf("data lost on reopen: %d users", n)
	}
}

func TestOpenTwiceSQLite(t *testing.T) { testOpenTwice(t, sqliteFileDSN(t), sqlstore.SQLite) }

func TestOpenTwicePostgres(t *testing.T) { testOpenTwice(t, postgresDSN(t), sqlstore.Postgres) }

// TestConcurrentOpenPostgres starts several stores on one empty schema at
// once, as replicas starting together do: the advisory lock lets exactly one
// migrate.
func TestConcurrentOpenPostgres(t *testing.T) {
	dsn := postgresDSN(t)
	ms, _ := sqlstore.Migrations(sqlstore.Postgres)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	stores := make([]*sqlstore.Store, 4)
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = sqlstore.Open(context.Background(), dsn) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	if n := countMigrations(t, stores[0]); n != len(ms) {
		t.Fatalf("schema_migrations has %d rows, want %d", n, len(ms))
	}
}

func TestOpenRejectsBadDSN(t *testing.T) {
	for _, dsn := range []string{"", "mysql://x", "sqlite:", "sqlite:/tmp/a?b.db", "/tmp/plain.db"} {
		_, err := sqlstore.Open(context.Background(), dsn)
		if err == nil || !strings.Contains(err.Error(), "invalid") {
			t.Errorf("Open(%q) = %v, want an invalid error", dsn, err)
		}
	}
}

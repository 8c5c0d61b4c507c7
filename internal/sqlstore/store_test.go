package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func user(n int) directory.User {
	return directory.User{
		ID: fmt.Sprintf("u%06d", n), Username: fmt.Sprintf("user%06d", n), Email: fmt.Sprintf("user%06d@example.com", n),
		State: directory.UserActivated, CreatedAt: t0, UpdatedAt: t0,
	}
}

func createOne(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	err := s.Update(context.Background(), func(tx directory.Tx) error {
		u := user(1)
		return tx.CreateUser(context.Background(), &u)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func countUsers(t *testing.T, s *sqlstore.Store) int {
	t.Helper()
	var n int
	err := s.View(context.Background(), func(tx directory.Tx) (err error) {
		_, n, err = tx.ListUsers(context.Background(), directory.UserFilter{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// concurrentWrites runs writers goroutines, each doing rounds Updates that
// create a user and a change, spread over the given stores, with readers
// listing at the same time. None may fail.
func concurrentWrites(t *testing.T, stores []*sqlstore.Store, writers, rounds int) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds*2)
	for w := range writers {
		s := stores[w%len(stores)]
		wg.Go(func() {
			for r := range rounds {
				n := 1000 + w*rounds + r
				errs <- s.Update(ctx, func(tx directory.Tx) error {
					u := user(n)
					if err := tx.CreateUser(ctx, &u); err != nil {
						return err
					}
					return tx.AppendChanges(ctx, []directory.Change{{At: t0, Actor: directory.SystemActor,
						Kind: directory.UserCreated, ResourceType: "user", ResourceID: u.ID}})
				})
				errs <- s.View(ctx, func(tx directory.Tx) error {
					_, _, err := tx.ListUsers(ctx, directory.UserFilter{Search: "user"})
					return err
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent access: %v", err)
		}
	}
	if n := countUsers(t, stores[0]); n != writers*rounds {
		t.Fatalf("%d users, want %d", n, writers*rounds)
	}
	// Seqs are dense and increasing in commit order.
	err := stores[0].View(ctx, func(tx directory.Tx) error {
		cs, err := tx.ListChanges(ctx, directory.ChangeFilter{Limit: directory.MaxPageSize})
		if err != nil {
			return err
		}
		if len(cs) != writers*rounds {
			return fmt.Errorf("%d changes, want %d", len(cs), writers*rounds)
		}
		for i := 1; i < len(cs); i++ {
			if cs[i].Seq <= cs[i-1].Seq {
				return fmt.Errorf("seq %d after %d", cs[i].Seq, cs[i-1].Seq)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentUpdatesSQLite(t *testing.T) {
	concurrentWrites(t, []*sqlstore.Store{openT(t, sqliteFileDSN(t))}, 8, 25)
}

// Two stores on one file behave like two processes: BEGIN IMMEDIATE and the
// busy timeout keep "database is locked" away.
func TestConcurrentUpdatesSQLiteTwoStores(t *testing.T) {
	dsn := sqliteFileDSN(t)
	concurrentWrites(t, []*sqlstore.Store{openT(t, dsn), openT(t, dsn)}, 8, 25)
}

func TestConcurrentUpdatesSQLiteMemory(t *testing.T) {
	concurrentWrites(t, []*sqlstore.Store{openT(t, "sqlite::memory:")}, 4, 25)
}

func TestConcurrentUpdatesPostgres(t *testing.T) {
	dsn := postgresDSN(t)
	concurrentWrites(t, []*sqlstore.Store{openT(t, dsn), openT(t, dsn)}, 8, 25)
}

func TestUnavailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := sqlstore.Open(ctx, "postgres://nobody:x@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if directory.ErrorCode(err) != directory.EUNAVAILABLE {
		t.Fatalf("Open of a closed port: %v (code %q), want unavailable", err, directory.ErrorCode(err))
	}
	_, err = sqlstore.Open(ctx, "sqlite:/nonexistent-dir/sub/x.db")
	if directory.ErrorCode(err) != directory.EUNAVAILABLE {
		t.Fatalf("Open of an unwritable path: %v (code %q), want unavailable", err, directory.ErrorCode(err))
	}
}

// testExtension checks the API that other packages use for their own tables.
func testExtension(t *testing.T, s *sqlstore.Store) {
	ctx := context.Background()
	err := s.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		if _, err := tx.Exec(ctx, "CREATE TABLE ext_items (id TEXT PRIMARY KEY, n INTEGER NOT NULL, note TEXT NOT NULL)"); err != nil {
			return err
		}
		for i := range 3 {
			if _, err := tx.Exec(ctx, "INSERT INTO ext_items (id, n, note) VALUES (?, ?, 'literal ? kept')", fmt.Sprint("i", i), i); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, "INSERT INTO ext_items (id, n, note) VALUES (?, ?, ?)", "i0", 9, "dup")
		if directory.ErrorCode(err) != directory.ECONFLICT {
			return fmt.Errorf("duplicate key: %v, want a conflict", err)
		}
		if name, ok := sqlstore.UniqueConstraint(err); !ok || name == "" {
			return fmt.Errorf("UniqueConstraint(%v) = %q, %v", err, name, ok)
		}
		return errors.New("roll back")
	})
	if err == nil || err.Error() != "roll back" {
		t.Fatalf("UpdateTx: %v", err)
	}
	err = s.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		if tx.Dialect() != s.Dialect() {
			return fmt.Errorf("tx dialect %q, store %q", tx.Dialect(), s.Dialect())
		}
		if _, err := tx.Exec(ctx, "CREATE TABLE ext_items (id TEXT PRIMARY KEY, n INTEGER NOT NULL)"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO ext_items (id, n) VALUES (?, ?), (?, ?)", "a", 1, "b", 2)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Optimize(ctx); err != nil {
		t.Fatalf("Optimize: %v", err)
	}
	err = s.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT n FROM ext_items WHERE id = ? AND n > ?", "b", 1).Scan(&n); err != nil || n != 2 {
			return fmt.Errorf("QueryRow: %d, %v", n, err)
		}
		if err := tx.QueryRow(ctx, "SELECT n FROM ext_items WHERE id = ?", "zzz").Scan(&n); !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("missing row: %v, want sql.ErrNoRows", err)
		}
		rows, err := tx.Query(ctx, "SELECT id FROM ext_items WHERE n >= ? ORDER BY id", 1)
		if err != nil {
			return err
		}
		defer rows.Close()
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		if len(ids) != 2 {
			return fmt.Errorf("Query: %v", ids)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestExtensionSQLite(t *testing.T)   { testExtension(t, openT(t, sqliteFileDSN(t))) }
func TestExtensionMemory(t *testing.T)   { testExtension(t, openT(t, "sqlite::memory:")) }
func TestExtensionPostgres(t *testing.T) { testExtension(t, openT(t, postgresDSN(t))) }

// TestRetryDeadlockPostgres makes two transactions lock two rows in opposite
// orders: PostgreSQL aborts one with a deadlock and UpdateTx runs it again.
func TestRetryDeadlockPostgres(t *testing.T) {
	s := openT(t, postgresDSN(t))
	ctx := context.Background()
	err := s.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		if _, err := tx.Exec(ctx, "CREATE TABLE ext_rows (id TEXT PRIMARY KEY, n INTEGER NOT NULL)"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO ext_rows VALUES ('a', 0), ('b', 0)")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var attempts atomic.Int32
	var barrier sync.WaitGroup
	barrier.Add(2)
	bump := func(first, second string) error {
		once := true
		return s.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
			attempts.Add(1)
			if _, err := tx.Exec(ctx, "UPDATE ext_rows SET n = n + 1 WHERE id = ?", first); err != nil {
				return err
			}
			if once {
				once = false
				barrier.Done()
				barrier.Wait()
			}
			_, err := tx.Exec(ctx, "UPDATE ext_rows SET n = n + 1 WHERE id = ?", second)
			return err
		})
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { errs[0] = bump("a", "b") })
	wg.Go(func() { errs[1] = bump("b", "a") })
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("updates: %v; %v", errs[0], errs[1])
	}
	if n := attempts.Load(); n != 3 {
		t.Errorf("%d attempts, want 3 (one retry)", n)
	}
	var a, b int
	err = s.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		return tx.QueryRow(ctx, "SELECT (SELECT n FROM ext_rows WHERE id = 'a'), (SELECT n FROM ext_rows WHERE id = 'b')").Scan(&a, &b)
	})
	if err != nil || a != 2 || b != 2 {
		t.Fatalf("rows a=%d b=%d (%v), want 2 and 2", a, b, err)
	}
}

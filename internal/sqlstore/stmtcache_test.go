package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// SQLite connections keep their prepared statements: the same text run
// again while its first rows are still open, more distinct statements than
// a connection keeps (one evicted while its rows are open), and a
// statement that failed, all still answer correctly.
func TestSQLiteStatementReuse(t *testing.T) {
	for name, dsn := range map[string]string{"file": sqliteFileDSN(t), "memory": "sqlite::memory:"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := openT(t, dsn)
			err := s.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
				if _, err := tx.Exec(ctx, `CREATE TABLE nums (n INTEGER PRIMARY KEY)`); err != nil {
					return err
				}
				for i := 1; i <= 20; i++ {
					if _, err := tx.Exec(ctx, `INSERT INTO nums (n) VALUES (?)`, i); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			const q = `SELECT n FROM nums WHERE n > ? ORDER BY n`
			err = s.ViewTx(ctx, func(tx *sqlstore.Tx) error {
				rows, err := tx.Query(ctx, q, 10)
				if err != nil {
					return err
				}
				defer rows.Close()
				want := 11
				for rows.Next() {
					var n int
					if err := rows.Scan(&n); err != nil {
						return err
					}
					if n != want {
						return fmt.Errorf("outer row %d, want %d", n, want)
					}
					want++
					// The same text while the outer rows are open.
					var next int
					if err := tx.QueryRow(ctx, q, n).Scan(&next); err != nil && !(n == 20 && errors.Is(err, sql.ErrNoRows)) {
						return fmt.Errorf("inner after %d: %w", n, err)
					}
					if n < 20 && next != n+1 {
						return fmt.Errorf("inner after %d got %d", n, next)
					}
					// Many other statements: the outer one is evicted
					// while its rows are open.
					if n == 12 {
						for i := range 300 {
							var v int
							if err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT ? + %d`, i), 1).Scan(&v); err != nil || v != i+1 {
								return fmt.Errorf("statement %d: %d %v", i, v, err)
							}
						}
					}
				}
				if want != 21 {
					return fmt.Errorf("outer rows ended at %d", want)
				}
				return rows.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
			// A statement that failed runs again.
			for range 2 {
				err := s.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
					_, err := tx.Exec(ctx, `INSERT INTO nums (n) VALUES (?)`, 5)
					return err
				})
				if err == nil {
					t.Fatal("duplicate key inserted")
				}
			}
			err = s.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO nums (n) VALUES (?)`, 21)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			var count int
			if err := s.ViewTx(ctx, func(tx *sqlstore.Tx) error {
				return tx.QueryRow(ctx, `SELECT COUNT(*) FROM nums`).Scan(&count)
			}); err != nil || count != 21 {
				t.Fatalf("count %d %v", count, err)
			}
		})
	}
}

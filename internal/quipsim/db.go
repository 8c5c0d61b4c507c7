package quipsim

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// db holds the single writer connection and the reader pool (the same
// connection for ":memory:").
type db struct {
	w *sql.DB
	r *sql.DB
}

func openDB(ctx context.Context, path string) (*db, error) {
	if path == "" {
		return nil, errors.New("quipsim: database path is empty")
	}
	const pragmas = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	if path == ":memory:" {
		c, err := sql.Open("sqlite", "file::memory:?"+pragmas)
		if err != nil {
			return nil, fmt.Errorf("quipsim: open database: %w", err)
		}
		c.SetMaxOpenConns(1)
		c.SetConnMaxLifetime(0)
		c.SetConnMaxIdleTime(0)
		d := &db{w: c, r: c}
		return d, d.migrate(ctx)
	}
	dsn := "file:" + path + "?" + pragmas + "&_pragma=journal_mode(WAL)"
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("quipsim: open database: %w", err)
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("quipsim: open database: %w", err)
	}
	r.SetMaxOpenConns(4)
	d := &db{w: w, r: r}
	if err := d.migrate(ctx); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

func (d *db) close() error {
	err := d.w.Close()
	if d.r != d.w {
		err = errors.Join(err, d.r.Close())
	}
	return err
}

func (d *db) migrate(ctx context.Context) error {
	if _, err := d.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY)`); err != nil {
		return fmt.Errorf("quipsim: migrations table: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("quipsim: list migrations: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		version := strings.TrimSuffix(strings.TrimPrefix(name, "migrations/"), ".sql")
		err := d.tx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			body, err := migrationFS.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (?)`, version)
			return err
		})
		if err != nil {
			return fmt.Errorf("quipsim: migration %s: %w", version, err)
		}
	}
	return nil
}

// tx runs fn in a write transaction on the single writer connection.
func (d *db) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("quipsim: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("quipsim: commit: %w", err)
	}
	return nil
}

func isUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// The dialects Dialect returns.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

var _ directory.Store = (*Store)(nil)

// Store is the SQL implementation of directory.Store.
type Store struct {
	dialect string
	// write runs Update: on SQLite one connection whose transactions begin
	// IMMEDIATE; on PostgreSQL the shared pool.
	write *sql.DB
	// read runs View: on an SQLite file a pool of query_only connections; the
	// same pool as write otherwise.
	read *sql.DB
	// memory is true for sqlite::memory:, whose one connection is the database.
	memory bool
	opts   options
}

type options struct {
	readConns   int
	busyTimeout time.Duration
	maxRetries  int
	pgConns     int
	now         func() time.Time
	// denseMatches: see searchClause; only tests change it.
	denseMatches int
}

// Option changes a setting of Open.
type Option func(*options)

// WithReadConns sets the size of the SQLite read pool used by View (default 4).
func WithReadConns(n int) Option { return func(o *options) { o.readConns = n } }

// WithBusyTimeout sets how long SQLite waits for another process's lock
// before failing with EUNAVAILABLE (default 10s).
func WithBusyTimeout(d time.Duration) Option { return func(o *options) { o.busyTimeout = d } }

// WithMaxRetries sets how many times Update retries a transaction that
// PostgreSQL aborted with a serialization failure or a deadlock (default 5).
func WithMaxRetries(n int) Option { return func(o *options) { o.maxRetries = n } }

// WithPostgresConns sets the maximum number of PostgreSQL connections
// (default 10); the URL parameter pool_max_conns overrides it.
func WithPostgresConns(n int) Option { return func(o *options) { o.pgConns = n } }

// WithClock sets the clock that stamps schema_migrations (default time.Now).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// Open opens the database named by dsn and applies pending migrations.
// dsn is "sqlite:PATH", "sqlite::memory:" or a postgres:// or postgresql://
// URL, which may carry pool_max_conns (default 10) and
// pool_max_conn_idle_time (default 5m) for this process's connection pool.
// A database that cannot be reached gives an EUNAVAILABLE error.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	o := options{readConns: 4, busyTimeout: 10 * time.Second, maxRetries: 5, pgConns: 10, now: time.Now, denseMatches: defaultDenseMatches}
	for _, opt := range opts {
		opt(&o)
	}
	var (
		s   *Store
		err error
	)
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		s, err = openSQLite(strings.TrimPrefix(dsn, "sqlite:"), o)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s, err = openPostgres(dsn, o)
	default:
		return nil, directory.Errorf(directory.EINVALID, "database: unsupported DSN (want sqlite:PATH, sqlite::memory: or postgres://...)")
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if s.read != s.write {
		// Open the read pool only now: the file exists and is in WAL mode.
		if err := s.read.PingContext(ctx); err != nil {
			s.Close()
			return nil, fmt.Errorf("sqlstore: open read pool: %w", mapError(err))
		}
	}
	return s, nil
}

func openSQLite(path string, o options) (*Store, error) {
	if path == "" {
		return nil, directory.Errorf(directory.EINVALID, "database: sqlite DSN needs a path")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, directory.Errorf(directory.EINVALID, "database: sqlite path must not contain ? or #")
	}
	busy := fmt.Sprintf("_pragma=busy_timeout(%d)", o.busyTimeout.Milliseconds())
	common := busy + "&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	s := &Store{dialect: SQLite, opts: o}
	if path == ":memory:" {
		// One connection is the whole database: keep it forever.
		db := openSQLitePool(":memory:?" + common + "&_txlock=immediate")
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
		s.write, s.read, s.memory = db, db, true
		return s, nil
	}
	w := openSQLitePool(path + "?" + common + "&_pragma=journal_mode(WAL)&_txlock=immediate")
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	r := openSQLitePool(path + "?" + common + "&_pragma=query_only(1)")
	n := max(o.readConns, 1)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s.write, s.read = w, r
	return s, nil
}

func openPostgres(dsn string, o options) (*Store, error) {
	dsn, pool, err := poolFromDSN(dsn, o)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, directory.Errorf(directory.EINVALID, "database: bad PostgreSQL URL")
	}
	pool.apply(db)
	return &Store{dialect: Postgres, write: db, read: db, opts: o}, nil
}

// Dialect returns "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// Update runs fn in a read-write transaction; see directory.Store.
func (s *Store) Update(ctx context.Context, fn func(directory.Tx) error) error {
	return s.UpdateTx(ctx, func(tx *Tx) error { return fn(tx) })
}

// View runs fn in a read-only transaction; see directory.Store.
func (s *Store) View(ctx context.Context, fn func(directory.Tx) error) error {
	return s.ViewTx(ctx, func(tx *Tx) error { return fn(tx) })
}

// UpdateTx is Update for packages that extend the schema: fn gets the
// concrete *Tx with Exec, Query and QueryRow. On PostgreSQL a transaction
// aborted by a serialization failure or a deadlock is retried, calling fn
// again. Calling UpdateTx or ViewTx from inside fn may deadlock on SQLite.
func (s *Store) UpdateTx(ctx context.Context, fn func(*Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := s.run(ctx, s.write, false, fn)
		if err == nil || attempt >= s.opts.maxRetries || !retryable(err) {
			return err
		}
		backoff := time.Duration(attempt+1) * 5 * time.Millisecond
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff):
		}
	}
}

// ViewTx is View with the concrete *Tx.
func (s *Store) ViewTx(ctx context.Context, fn func(*Tx) error) error {
	if !s.memory {
		return s.run(ctx, s.read, true, fn)
	}
	// In-memory SQLite has one connection: make it read-only for the
	// duration of fn.
	conn, err := s.read.Conn(ctx)
	if err != nil {
		return mapError(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA query_only = ON"); err != nil {
		return mapError(err)
	}
	defer conn.ExecContext(context.Background(), "PRAGMA query_only = OFF")
	return s.run(ctx, conn, true, fn)
}

type beginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

func (s *Store) run(ctx context.Context, db beginner, readOnly bool, fn func(*Tx) error) (err error) {
	stx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		return fmt.Errorf("sqlstore: begin: %w", mapError(err))
	}
	done := false
	defer func() {
		if !done {
			_ = stx.Rollback()
		}
	}()
	if err := fn(&Tx{tx: stx, dialect: s.dialect, denseMatches: s.opts.denseMatches}); err != nil {
		return err
	}
	done = true
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: commit: %w", mapError(err))
	}
	return nil
}

// Optimize refreshes the query planner's statistics and tidies the search
// indexes: SQLite merges the FTS5 segments, PostgreSQL moves the GIN
// indexes' pending lists (which every search would otherwise scan until
// autovacuum does it) into the index. Run it after a bulk import; it takes
// about a second at 100,000 users and blocks writers meanwhile.
func (s *Store) Optimize(ctx context.Context) error {
	stmts := []string{"SELECT gin_clean_pending_list('users_search_trgm'::regclass)",
		"SELECT gin_clean_pending_list('groups_search_trgm'::regclass)",
		"ANALYZE users", "ANALYZE groups", "ANALYZE group_members", "ANALYZE changes"}
	if s.dialect == SQLite {
		stmts = []string{"INSERT INTO users_fts (users_fts) VALUES ('optimize')",
			"INSERT INTO groups_fts (groups_fts) VALUES ('optimize')", "ANALYZE"}
	}
	return s.UpdateTx(ctx, func(tx *Tx) error {
		for _, q := range stmts {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("optimize: %w", err)
			}
		}
		return nil
	})
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.write.PingContext(ctx); err != nil {
		return mapError(err)
	}
	return nil
}

// Close releases the database.
func (s *Store) Close() error {
	err := s.write.Close()
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

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
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

var errClosed = errors.New("quipsim: database is closed")

// db is quipsim's SQLite database: one writer connection, fed by a single
// goroutine that runs concurrent write transactions together in one
// SQLite transaction (each in its own savepoint, so one failing changes
// nothing of the others), and a pool of reader connections (the same
// single connection for ":memory:"). Statements are prepared once.
type db struct {
	wdb, rdb *sql.DB
	rs, ws   *stmts
	r        reader
	w        writer

	jobs chan job
	stop chan struct{}
	done chan struct{}
	once sync.Once

	// cp checkpoints the WAL in the background, so that commits on the
	// writer never wait for a checkpoint's fsync (the writer has
	// wal_autocheckpoint off).
	cp     *sql.DB
	cpDone chan struct{}
}

func (d *db) checkpointer() {
	defer close(d.cpDone)
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
			_, _ = d.cp.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

type job struct {
	ctx  context.Context
	fn   func(*wtx) error
	done chan error
}

func openDB(ctx context.Context, path string) (*db, error) {
	if path == "" {
		return nil, errors.New("quipsim: database path is empty")
	}
	const pragmas = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	var w, r, cp *sql.DB
	var err error
	if path == ":memory:" {
		if w, err = sql.Open("sqlite", "file::memory:?"+pragmas); err != nil {
			return nil, fmt.Errorf("quipsim: open database: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		r = w
	} else {
		dsn := "file:" + path + "?" + pragmas + "&_pragma=journal_mode(WAL)"
		if w, err = sql.Open("sqlite", dsn+"&_txlock=immediate&_pragma=wal_autocheckpoint(0)&_pragma=cache_size(-65536)"); err != nil {
			return nil, fmt.Errorf("quipsim: open database: %w", err)
		}
		w.SetMaxOpenConns(1)
		if r, err = sql.Open("sqlite", dsn+"&_pragma=query_only(1)"); err != nil {
			w.Close()
			return nil, fmt.Errorf("quipsim: open database: %w", err)
		}
		r.SetMaxOpenConns(4)
		r.SetMaxIdleConns(4)
		if cp, err = sql.Open("sqlite", dsn); err != nil {
			w.Close()
			r.Close()
			return nil, fmt.Errorf("quipsim: open database: %w", err)
		}
		cp.SetMaxOpenConns(1)
	}
	d := &db{wdb: w, rdb: r, rs: newStmts(r), ws: newStmts(w), jobs: make(chan job, 256), stop: make(chan struct{}), done: make(chan struct{})}
	d.r = reader{d.rs}
	d.w = writer{d}
	d.cp = cp
	go d.loop()
	if cp != nil {
		d.cpDone = make(chan struct{})
		go d.checkpointer()
	}
	if err := d.migrate(ctx); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

func (d *db) close() error {
	var err error
	d.once.Do(func() {
		close(d.stop)
		<-d.done
		if d.cp != nil {
			<-d.cpDone
			_, _ = d.cp.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
			err = d.cp.Close()
		}
		d.rs.close()
		d.ws.close()
		err = errors.Join(err, d.wdb.Close())
		if d.rdb != d.wdb {
			err = errors.Join(err, d.rdb.Close())
		}
	})
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
		err := d.tx(ctx, func(tx *wtx) error {
			var n int
			if err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			body, err := migrationFS.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err = tx.tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (?)`, version)
			return err
		})
		if err != nil {
			return fmt.Errorf("quipsim: migration %s: %w", version, err)
		}
	}
	return nil
}

// tx runs fn in a write transaction; it returns fn's error, or the
// commit's. fn must not use the reader (the writer may be the only connection).
func (d *db) tx(ctx context.Context, fn func(tx *wtx) error) error {
	j := job{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case d.jobs <- j:
	case <-ctx.Done():
		return ctx.Err()
	case <-d.stop:
		return errClosed
	}
	return <-j.done
}

func (d *db) loop() {
	defer close(d.done)
	lastBatch := 0
	for {
		var batch []job
		select {
		case j := <-d.jobs:
			batch = append(batch, j)
		case <-d.stop:
			for {
				select {
				case j := <-d.jobs:
					j.done <- errClosed
				default:
					return
				}
			}
		}
		// Under concurrent writes (the last batch had several jobs), wait up
		// to 150µs for a few more: fewer, larger commits. A lone writer
		// does not wait.
		linger := time.NewTimer(150 * time.Microsecond)
		wait := lastBatch > 1
	drain:
		for len(batch) < 128 {
			select {
			case j := <-d.jobs:
				batch = append(batch, j)
			default:
				if len(batch) >= 4 || !wait {
					break drain
				}
				select {
				case j := <-d.jobs:
					batch = append(batch, j)
				case <-linger.C:
					break drain
				}
			}
		}
		linger.Stop()
		lastBatch = len(batch)
		d.runBatch(batch)
	}
}

func (d *db) runBatch(batch []job) {
	ctx := context.Background()
	errs := make([]error, len(batch))
	reply := func() {
		for i, j := range batch {
			j.done <- errs[i]
		}
	}
	tx, err := d.wdb.BeginTx(ctx, nil)
	if err != nil {
		for i := range errs {
			errs[i] = fmt.Errorf("quipsim: begin: %w", err)
		}
		reply()
		return
	}
	w := &wtx{tx: tx, m: map[string]*sql.Stmt{}, ws: d.ws}
	defer func() {
		// the writer connection is free again: keep this batch's new
		// statements prepared for the next batches
		for _, q := range w.new {
			_, _ = d.ws.get(ctx, q)
		}
	}()
	if len(batch) == 1 {
		if errs[0] = runJob(batch[0], w); errs[0] != nil {
			_ = tx.Rollback()
			reply()
			return
		}
	} else {
		for i, j := range batch {
			if _, err := w.ExecContext(ctx, `SAVEPOINT job`); err != nil {
				errs[i] = fmt.Errorf("quipsim: savepoint: %w", err)
				continue
			}
			if errs[i] = runJob(j, w); errs[i] != nil {
				_, _ = w.ExecContext(ctx, `ROLLBACK TO job`)
			}
			_, _ = w.ExecContext(ctx, `RELEASE job`)
		}
	}
	if err := tx.Commit(); err != nil {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = fmt.Errorf("quipsim: commit: %w", err)
			}
		}
	}
	reply()
}

func runJob(j job, w *wtx) (err error) {
	if err := j.ctx.Err(); err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("quipsim: write transaction panicked: %v", r)
		}
	}()
	return j.fn(w)
}

// stmts caches prepared statements of one *sql.DB.
type stmts struct {
	mu sync.Mutex
	db *sql.DB
	m  map[string]*sql.Stmt
}

func newStmts(d *sql.DB) *stmts { return &stmts{db: d, m: map[string]*sql.Stmt{}} }

func (c *stmts) get(ctx context.Context, q string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[q]; ok {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.m[q] = st
	return st, nil
}

func (c *stmts) lookup(q string) (*sql.Stmt, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.m[q]
	return st, ok
}

func (c *stmts) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
}

// querier reads, from the reader pool or inside a write transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type reader struct{ c *stmts }

func (r reader) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := r.c.get(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (r reader) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := r.c.get(ctx, q)
	if err != nil {
		return r.c.db.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// wtx is a write transaction. Statements are prepared once per batch
// (on the writer connection, inside the transaction) and reused by every
// job of the batch.
type wtx struct {
	tx  *sql.Tx
	m   map[string]*sql.Stmt
	ws  *stmts   // statements prepared on the writer between batches
	new []string // queries to prepare there after this batch
}

func (w *wtx) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := w.m[q]; ok {
		return st, nil
	}
	if st, ok := w.ws.lookup(q); ok {
		// prepared on this very connection: no new prepare
		st = w.tx.StmtContext(ctx, st)
		w.m[q] = st
		return st, nil
	}
	w.new = append(w.new, q)
	st, err := w.tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	w.m[q] = st
	return st, nil
}

func (w *wtx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := w.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (w *wtx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := w.stmt(ctx, q)
	if err != nil {
		return w.tx.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

func (w *wtx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := w.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// writer runs single statements as write transactions.
type writer struct{ d *db }

func (w writer) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := w.d.tx(ctx, func(tx *wtx) error {
		var err error
		res, err = tx.tx.ExecContext(ctx, q, args...)
		return err
	})
	return res, err
}

func isUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

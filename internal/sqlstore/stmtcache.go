package sqlstore

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync"

	"modernc.org/sqlite"
)

// stmtCacheSize bounds the prepared statements one SQLite connection keeps.
const stmtCacheSize = 256

// openSQLitePool opens a pool of SQLite connections that each keep their
// prepared statements by query text: the driver prepares (parses and
// plans) every statement it is given as text, which is most of the cost of
// a short query, so a statement run again on the same connection is only
// bound and stepped. Statements are least-recently-used, at most
// stmtCacheSize a connection.
func openSQLitePool(dsn string) *sql.DB {
	return sql.OpenDB(stmtCacheConnector{dsn: dsn, drv: &sqlite.Driver{}})
}

type stmtCacheConnector struct {
	dsn string
	drv *sqlite.Driver
}

func (c stmtCacheConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return newCachingConn(conn)
}

func (c stmtCacheConnector) Driver() driver.Driver { return c.drv }

// sqliteConn is what the SQLite driver's connections implement.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// sqliteStmt is what the SQLite driver's statements implement.
type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// cachingConn is one SQLite connection with its statement cache. The
// database/sql package uses a connection from one goroutine at a time, but
// rows of an earlier query may still be open when the next one runs: a
// cached statement in use is never handed out twice (the second use gets
// a statement of its own, closed after it).
type cachingConn struct {
	sqliteConn
	mu      sync.Mutex
	byQuery map[string]*list.Element // of *cachedStmt
	lru     list.List                // front: most recently used
}

type cachedStmt struct {
	query string
	stmt  sqliteStmt
	busy  bool
}

var (
	_ driver.ExecerContext  = (*cachingConn)(nil)
	_ driver.QueryerContext = (*cachingConn)(nil)
)

func newCachingConn(c driver.Conn) (driver.Conn, error) {
	sc, ok := c.(sqliteConn)
	if !ok {
		c.Close()
		return nil, errors.New("sqlstore: the SQLite driver's connection lacks a context method")
	}
	return &cachingConn{sqliteConn: sc, byQuery: map[string]*list.Element{}}, nil
}

// take returns a statement for query, cached or of its own, and the func
// that gives it back.
func (c *cachingConn) take(ctx context.Context, query string) (sqliteStmt, func(), error) {
	c.mu.Lock()
	if el, ok := c.byQuery[query]; ok {
		cs := el.Value.(*cachedStmt)
		if !cs.busy {
			cs.busy = true
			c.lru.MoveToFront(el)
			c.mu.Unlock()
			return cs.stmt, func() { c.giveBack(cs) }, nil
		}
		c.mu.Unlock()
		return c.prepareOwn(ctx, query)
	}
	c.mu.Unlock()
	st, err := c.prepare(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	cs := &cachedStmt{query: query, stmt: st, busy: true}
	c.mu.Lock()
	c.byQuery[query] = c.lru.PushFront(cs)
	c.evictLocked()
	c.mu.Unlock()
	return st, func() { c.giveBack(cs) }, nil
}

// prepareOwn prepares a statement that is closed when given back.
func (c *cachingConn) prepareOwn(ctx context.Context, query string) (sqliteStmt, func(), error) {
	st, err := c.prepare(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	return st, func() { st.Close() }, nil
}

func (c *cachingConn) prepare(ctx context.Context, query string) (sqliteStmt, error) {
	ds, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	st, ok := ds.(sqliteStmt)
	if !ok {
		ds.Close()
		return nil, errors.New("sqlstore: the SQLite driver's statement lacks a context method")
	}
	return st, nil
}

func (c *cachingConn) giveBack(cs *cachedStmt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs.busy = false
	if _, cached := c.byQuery[cs.query]; !cached {
		cs.stmt.Close() // evicted while in use
	}
}

// evictLocked closes the least recently used idle statements over the
// bound (busy ones are closed when given back).
func (c *cachingConn) evictLocked() {
	for el := c.lru.Back(); el != nil && c.lru.Len() > stmtCacheSize; {
		prev := el.Prev()
		cs := el.Value.(*cachedStmt)
		c.lru.Remove(el)
		delete(c.byQuery, cs.query)
		if !cs.busy {
			cs.stmt.Close()
		}
		el = prev
	}
}

// ExecContext runs query with a cached statement.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	st, done, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	defer done()
	return st.ExecContext(ctx, args)
}

// QueryContext runs query with a cached statement, held until the rows
// are closed.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	st, done, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args)
	if err != nil {
		done()
		return nil, err
	}
	return &cachedRows{Rows: rows, done: done}, nil
}

// Close closes the cached statements, then the connection.
func (c *cachingConn) Close() error {
	c.mu.Lock()
	for el := c.lru.Front(); el != nil; el = el.Next() {
		el.Value.(*cachedStmt).stmt.Close()
	}
	c.lru.Init()
	c.byQuery = map[string]*list.Element{}
	c.mu.Unlock()
	return c.sqliteConn.Close()
}

// cachedRows gives its statement back when closed.
type cachedRows struct {
	driver.Rows
	once sync.Once
	done func()
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.once.Do(r.done)
	return err
}

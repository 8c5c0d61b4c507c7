package sqlstore

import (
	"database/sql"
	"net/url"
	"strconv"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// The PostgreSQL URL parameters that size the connection pool of one
// process. They are read and removed here (PostgreSQL would refuse them as
// unknown run-time settings); their names are those of pgxpool.
const (
	paramMaxConns        = "pool_max_conns"          // most open connections (default WithPostgresConns, 10)
	paramMaxConnIdleTime = "pool_max_conn_idle_time" // close a connection idle this long (default 5m)
)

// maxPoolConns bounds pool_max_conns; PostgreSQL's own default
// max_connections is 100 for every client together.
const maxPoolConns = 1000

// pgPool is the pool settings of a PostgreSQL store.
type pgPool struct {
	maxConns    int
	maxIdleTime time.Duration
}

// poolFromDSN takes the pool parameters out of a postgres:// URL, returning
// the URL without them and the settings (defaults from o).
func poolFromDSN(dsn string, o options) (string, pgPool, error) {
	p := pgPool{maxConns: max(o.pgConns, 1), maxIdleTime: 5 * time.Minute}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", p, directory.Errorf(directory.EINVALID, "database: bad PostgreSQL URL")
	}
	q := u.Query()
	if !q.Has(paramMaxConns) && !q.Has(paramMaxConnIdleTime) {
		return dsn, p, nil
	}
	if q.Has(paramMaxConns) {
		n, err := strconv.Atoi(q.Get(paramMaxConns))
		if err != nil || n < 1 || n > maxPoolConns {
			return "", p, directory.Errorf(directory.EINVALID, "database: %s must be a whole number from 1 to %d", paramMaxConns, maxPoolConns)
		}
		p.maxConns = n
	}
	if q.Has(paramMaxConnIdleTime) {
		d, err := time.ParseDuration(q.Get(paramMaxConnIdleTime))
		if err != nil || d < 0 {
			return "", p, directory.Errorf(directory.EINVALID, "database: %s must be a duration such as 5m", paramMaxConnIdleTime)
		}
		p.maxIdleTime = d
	}
	q.Del(paramMaxConns)
	q.Del(paramMaxConnIdleTime)
	u.RawQuery = q.Encode()
	return u.String(), p, nil
}

func (p pgPool) apply(db *sql.DB) {
	db.SetMaxOpenConns(p.maxConns)
	db.SetMaxIdleConns(p.maxConns)
	db.SetConnMaxIdleTime(p.maxIdleTime)
}

// PoolStats reports the connection pool of writes (on PostgreSQL the only
// pool; on SQLite its one writing connection), for metrics and tests.
func (s *Store) PoolStats() sql.DBStats { return s.write.Stats() }

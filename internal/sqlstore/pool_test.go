package sqlstore_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

func withParams(t *testing.T, dsn string, kv ...string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for i := 0; i < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// TestPostgresPoolFromURL sizes the pool from pool_max_conns, which is not
// passed on to PostgreSQL (it would refuse an unknown setting).
func TestPostgresPoolFromURL(t *testing.T) {
	dsn := postgresDSN(t)
	if got := openT(t, dsn).PoolStats().MaxOpenConnections; got != 10 {
		t.Fatalf("default pool = %d connections, want 10", got)
	}
	st := openT(t, withParams(t, dsn, "pool_max_conns", "3", "pool_max_conn_idle_time", "30s"))
	if got := st.PoolStats().MaxOpenConnections; got != 3 {
		t.Fatalf("pool_max_conns=3 gave %d connections", got)
	}
	createOne(t, st)
	if n := countUsers(t, st); n != 1 {
		t.Fatalf("%d users", n)
	}
	// The URL wins over the option.
	withOpt, err := sqlstore.Open(context.Background(), withParams(t, dsn, "pool_max_conns", "4"), sqlstore.WithPostgresConns(7))
	if err != nil {
		t.Fatal(err)
	}
	defer withOpt.Close()
	if got := withOpt.PoolStats().MaxOpenConnections; got != 4 {
		t.Fatalf("pool_max_conns=4 with WithPostgresConns(7) gave %d", got)
	}
}

func TestPostgresPoolBadParams(t *testing.T) {
	base := "postgres://u:p@127.0.0.1:1/x?sslmode=disable"
	for _, kv := range [][2]string{{"pool_max_conns", "0"}, {"pool_max_conns", "many"}, {"pool_max_conns", "1001"},
		{"pool_max_conn_idle_time", "5"}, {"pool_max_conn_idle_time", "-1m"}} {
		_, err := sqlstore.Open(context.Background(), withParams(t, base, kv[0], kv[1]))
		if directory.ErrorCode(err) != directory.EINVALID || !strings.Contains(err.Error(), kv[0]) {
			t.Errorf("%s=%s: %v, want an invalid error naming it", kv[0], kv[1], err)
		}
	}
}

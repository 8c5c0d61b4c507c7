package sqlstore_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore/sqltest"
)

// A PostgreSQL server that becomes unreachable (connections dropped, the
// port refused, or a black hole) gives EUNAVAILABLE from every call, a
// transaction cut in the middle leaves nothing behind, and the store works
// again by itself once the server is back.
func TestPostgresUnreachableIsUnavailable(t *testing.T) {
	proxy, dsn := sqltest.NewProxy(t, sqltest.PostgresDSN(t))
	s := openT(t, dsn)
	ctx := context.Background()
	createOne(t, s)
	unavailable := func(what string, err error) {
		t.Helper()
		if directory.ErrorCode(err) != directory.EUNAVAILABLE {
			t.Fatalf("%s: %v (code %q), want unavailable", what, err, directory.ErrorCode(err))
		}
	}
	calls := func(phase string) {
		t.Helper()
		unavailable(phase+": ping", s.Ping(ctx))
		unavailable(phase+": view", s.View(ctx, func(tx directory.Tx) error {
			_, _, err := tx.ListUsers(ctx, directory.UserFilter{})
			return err
		}))
		unavailable(phase+": update", s.Update(ctx, func(tx directory.Tx) error {
			u := user(2)
			return tx.CreateUser(ctx, &u)
		}))
	}

	// Dropped connections and a refused port.
	proxy.Cut()
	calls("cut")
	proxy.Restore()
	if n := countUsers(t, s); n != 1 {
		t.Fatalf("%d users after the cut, want 1", n)
	}

	// A transaction whose connection drops half-way writes nothing.
	err := s.Update(ctx, func(tx directory.Tx) error {
		u := user(3)
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		proxy.Cut()
		v := user(4)
		return tx.CreateUser(ctx, &v)
	})
	unavailable("cut inside a transaction", err)
	proxy.Restore()
	if n := countUsers(t, s); n != 1 {
		t.Fatalf("%d users after a transaction cut half-way, want 1", n)
	}

	// A black hole: the caller's deadline ends the wait for a connection.
	proxy.Stall()
	for _, what := range []string{"ping", "update"} {
		cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		start := time.Now()
		if what == "ping" {
			err = s.Ping(cctx)
		} else {
			err = s.Update(cctx, func(tx directory.Tx) error { u := user(5); return tx.CreateUser(cctx, &u) })
		}
		cancel()
		unavailable("stalled "+what, err)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
			t.Fatalf("stalled %s: %v after %v, want the deadline", what, err, time.Since(start))
		}
	}
	proxy.Restore()

	// Back by itself: no reopening, no restart.
	err = s.Update(ctx, func(tx directory.Tx) error { u := user(6); return tx.CreateUser(ctx, &u) })
	if err != nil {
		t.Fatalf("update after restore: %v", err)
	}
	if n := countUsers(t, s); n != 2 {
		t.Fatalf("%d users at the end, want 2", n)
	}
}

// MapError names connection failures EUNAVAILABLE whatever layer reports
// them, and leaves other errors alone.
func TestMapErrorConnectionFailures(t *testing.T) {
	for _, err := range []error{
		&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED},
		fmt.Errorf("read: %w", syscall.ECONNRESET),
		fmt.Errorf("write: %w", syscall.EPIPE),
		fmt.Errorf("receive message: %w", io.ErrUnexpectedEOF),
		fmt.Errorf("begin: %w", pgconn.ErrConnClosed),
		sql.ErrConnDone,
		driver.ErrBadConn,
		&pgconn.PgError{Code: "08006", Message: "connection failure"},
		&pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"},
		errors.New("dial tcp 127.0.0.1:5432: connect: connection refused"),
		errors.New("failed to connect to `user=x database=y`: 127.0.0.1:5432: server closed the connection unexpectedly"),
	} {
		if got := directory.ErrorCode(sqlstore.MapError(err)); got != directory.EUNAVAILABLE {
			t.Errorf("MapError(%v) code %q, want unavailable", err, got)
		}
	}
	for _, err := range []error{
		&pgconn.PgError{Code: "42P01", Message: "relation does not exist"},
		errors.New("sql: Scan error on column index 0"),
	} {
		if got := directory.ErrorCode(sqlstore.MapError(err)); got != directory.EINTERNAL {
			t.Errorf("MapError(%v) code %q, want internal", err, got)
		}
	}
}

package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// uniqueFields maps the unique constraints of the directory's tables to the
// field an ECONFLICT names. Keys are PostgreSQL constraint names and SQLite's
// "table.column" from its constraint message.
var uniqueFields = map[string]struct{ field, msg string }{
	"users_pkey": {"id", "a user with this id already exists"}, "users.id": {"id", "a user with this id already exists"},
	"users_username_uq": {"username", "username is already taken"}, "users.username_key": {"username", "username is already taken"},
	"users_email_uq": {"email", "email is already taken"}, "users.email_key": {"email", "email is already taken"},
	"users_employee_id_uq": {"employeeIdentifier", "employee identifier is already taken"}, "users.employee_id": {"employeeIdentifier", "employee identifier is already taken"},
	"groups_pkey": {"id", "a group with this id already exists"}, "groups.id": {"id", "a group with this id already exists"},
	"groups_name_uq": {"name", "group name is already taken"}, "groups.name_key": {"name", "group name is already taken"},
	"admins_pkey": {"id", "an admin with this id already exists"}, "admins.id": {"id", "an admin with this id already exists"},
	"admins_email_uq": {"email", "an admin with this email already exists"}, "admins.email_key": {"email", "an admin with this email already exists"},
	"api_keys_pkey": {"id", "an API key with this id already exists"}, "api_keys.id": {"id", "an API key with this id already exists"},
	"api_keys_prefix_uq": {"prefix", "an API key with this prefix already exists"}, "api_keys.prefix": {"prefix", "an API key with this prefix already exists"},
}

// MapError translates a driver error into the directory's vocabulary:
// unique violations become ECONFLICT (naming the field for the directory's
// own tables), lost or refused connections and an SQLite database locked past
// its busy timeout become EUNAVAILABLE. The driver error stays in the chain
// (errors.Is(err, sql.ErrNoRows) still works); anything else is wrapped.
func MapError(err error) error { return mapError(err) }

func mapError(err error) error {
	if err == nil {
		return nil
	}
	var de *directory.Error
	if errors.As(err, &de) {
		return err
	}
	if name, ok := UniqueConstraint(err); ok {
		if f, ok := uniqueFields[name]; ok {
			e := directory.Conflict(f.field, f.msg)
			e.Err = err
			return e
		}
		return &directory.Error{Code: directory.ECONFLICT, Message: "already exists", Err: err}
	}
	if unavailable(err) {
		return &directory.Error{Code: directory.EUNAVAILABLE, Message: "the database is unavailable", Err: err}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return fmt.Errorf("sqlstore: %w", err)
}

// UniqueConstraint reports whether err is a unique (or primary key)
// violation and names the constraint: PostgreSQL's constraint name, or
// SQLite's "table.column".
func UniqueConstraint(err error) (string, bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.ConstraintName, pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		if se.Code() != sqlite3.SQLITE_CONSTRAINT_UNIQUE && se.Code() != sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
			return "", false
		}
		msg := se.Error()
		const marker = "constraint failed: "
		if i := strings.LastIndex(msg, marker); i >= 0 {
			name := msg[i+len(marker):]
			if j := strings.IndexAny(name, " ,"); j >= 0 {
				name = name[:j]
			}
			return name, true
		}
		return "", true
	}
	return "", false
}

// foreignKeyViolation reports whether err is a foreign key violation.
func foreignKeyViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

func unavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception; 53: insufficient resources;
		// 57P01-57P03: shutdown, crash shutdown, cannot connect now.
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "53") ||
			pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL:
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) || pgconn.SafeToRetry(err) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, sql.ErrConnDone) ||
		// The server's socket closed under a query or a transaction.
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	// Some layers flatten the cause into text.
	msg := err.Error()
	for _, s := range lostConnection {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// lostConnection are texts of connection failures whose error types were
// lost on the way.
var lostConnection = []string{"connection refused", "connection reset by peer", "broken pipe",
	"server closed the connection", "conn closed", "unexpected EOF", "failed to connect to", "no route to host"}

// retryable reports whether a PostgreSQL transaction failed for a reason
// that running it again may cure: a serialization failure or a deadlock.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

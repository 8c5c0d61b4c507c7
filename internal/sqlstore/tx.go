package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

var _ directory.Tx = (*Tx)(nil)

// Tx is one transaction. Besides directory.Tx it offers Exec, Query and
// QueryRow for packages that keep their own tables in this database: their
// SQL uses ? placeholders, which Tx rewrites for the dialect, and their errors
// are mapped as the directory's are (see MapError).
type Tx struct {
	tx           *sql.Tx
	dialect      string
	denseMatches int // see searchClause
}

// Dialect returns "sqlite" or "postgres".
func (t *Tx) Dialect() string { return t.dialect }

// Exec runs a statement that returns no rows.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := t.tx.ExecContext(ctx, Rebind(t.dialect, query), args...)
	if err != nil {
		return nil, mapError(err)
	}
	return res, nil
}

// Query runs a statement that returns rows.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := t.tx.QueryContext(ctx, Rebind(t.dialect, query), args...)
	if err != nil {
		return nil, mapError(err)
	}
	return rows, nil
}

// QueryRow runs a statement that returns at most one row.
func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *Row {
	return &Row{row: t.tx.QueryRowContext(ctx, Rebind(t.dialect, query), args...)}
}

// Row is the result of QueryRow.
type Row struct{ row *sql.Row }

// Scan copies the row's columns into dest. With no row the error matches
// sql.ErrNoRows (errors.Is); other errors are mapped by MapError.
func (r *Row) Scan(dest ...any) error {
	if err := r.row.Scan(dest...); err != nil {
		return mapError(err)
	}
	return nil
}

// Rebind rewrites the ? placeholders of query for dialect: PostgreSQL gets
// $1, $2, …; SQLite keeps ?. A ? inside a quoted string, a quoted identifier
// or a comment is left alone; there is no other rewriting. PostgreSQL's
// dollar-quoted strings and its ? operators (jsonb) are not recognized:
// statements run through Tx must not use them (migrations are not rebound).
func Rebind(dialect, query string) string {
	if dialect != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			end := strings.IndexByte(query[i+1:], c)
			if end < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+end+2])
			i += end + 1
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			end := strings.IndexByte(query[i:], '\n')
			if end < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+end+1])
			i += end
		case c == '/' && i+1 < len(query) && query[i+1] == '*':
			end := strings.Index(query[i+2:], "*/")
			if end < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+end+4])
			i += end + 3
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// TimeValue is how a time is stored: microseconds since the Unix epoch, UTC.
func TimeValue(t time.Time) int64 { return t.UnixMicro() }

// TimeOf converts a stored time back: a UTC time.Time.
func TimeOf(v int64) time.Time { return time.UnixMicro(v).UTC() }

// normTime is t as it reads back from the database: UTC, whole microseconds.
func normTime(t time.Time) time.Time { return TimeOf(TimeValue(t)) }

func nullTime(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: TimeValue(*t), Valid: true}
}

func timePtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := TimeOf(v.Int64)
	return &t
}

// placeholders returns "(?, ?, ?)" style groups: rows groups of cols each.
func placeholders(rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}

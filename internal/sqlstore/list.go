package sqlstore

import (
	"context"
	"database/sql"
	"strings"
)

// pageQuery describes one page of a list and the count of all it matches.
type pageQuery struct {
	from          string // table and alias, e.g. "users u"
	cols          string
	conds         []string
	args          []any
	order         string // must end on a unique key
	limit, offset int
	// windowed counts the matches with count(*) OVER () in the page query
	// itself: one pass over the matches instead of two. It pays when the
	// matches are few and listed (SQLite's FTS5 search); otherwise a
	// separate count and a page that can stop early along an ordered index
	// are cheaper (and PostgreSQL's planner, seeing LIMIT, may walk such an
	// index with the window and then read every row).
	windowed bool
	// search marks a searched list. On PostgreSQL, when the count found few
	// matches (at most fewMatches), the page is taken from a MATERIALIZED
	// CTE of the matches: the planner, seeing LIMIT, would otherwise walk
	// the sort order's index filtering row by row, reading thousands of
	// rows where the trigram index yields the few matches directly.
	search bool
}

// fewMatches bounds the matches that a PostgreSQL search page sorts itself.
const fewMatches = 5000

// countingScanner scans a row whose last column is the window count.
type countingScanner struct {
	rows  *sql.Rows
	total *int
}

func (c countingScanner) Scan(dest ...any) error { return c.rows.Scan(append(dest, c.total)...) }

// listPage runs q and scans its rows with scan.
func listPage[T any](ctx context.Context, t *Tx, q pageQuery, scan func(scanner) (T, error)) ([]T, int, error) {
	where := whereClause(q.conds)
	limit, offset := page(q.limit, q.offset)
	count := func() (int, error) {
		var n int
		err := t.QueryRow(ctx, "SELECT count(*) FROM "+q.from+where, q.args...).Scan(&n)
		return n, err
	}
	total := 0
	if !q.windowed {
		var err error
		if total, err = count(); err != nil || total <= offset {
			return []T{}, total, err
		}
	}
	cols := q.cols
	if q.windowed {
		cols += ", count(*) OVER ()"
	}
	query := "SELECT " + cols + " FROM " + q.from + where
	if q.search && !q.windowed && t.dialect == Postgres && total <= fewMatches {
		_, alias, _ := strings.Cut(q.from, " ")
		query = "WITH matched AS MATERIALIZED (SELECT * FROM " + q.from + where + ") SELECT " + cols +
			" FROM matched " + alias
	}
	rows, err := t.Query(ctx, query+" ORDER BY "+q.order+" LIMIT ? OFFSET ?", append(q.args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var sc scanner = rows
	if q.windowed {
		sc = countingScanner{rows: rows, total: &total}
	}
	out := make([]T, 0, limit)
	for rows.Next() {
		v, err := scan(sc)
		if err != nil {
			return nil, 0, mapError(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, mapError(err)
	}
	rows.Close()
	if q.windowed && len(out) == 0 && offset > 0 {
		// Past the end: the page has no row to carry the count.
		if total, err = count(); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

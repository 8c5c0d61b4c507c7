package sqlstore

import (
	"context"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// searchSep separates the attributes in search_text. Search terms never
// contain it (control characters are dropped from them), so a match cannot
// span two attributes.
const searchSep = "\x1f"

// searchText is the value stored in search_text: the attributes, lower-cased.
func searchText(fields ...string) string {
	return strings.ToLower(strings.Join(fields, searchSep))
}

// searchTerm normalizes a search term the way search_text is: trimmed,
// lower-cased, without control characters. "" means no search.
func searchTerm(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// escapeLike escapes the LIKE wildcards of s with a backslash (ESCAPE '\').
func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// defaultDenseMatches is the number of FTS matches above which a search is
// answered without the FTS table (see searchClause).
const defaultDenseMatches = 5000

// searchClause returns the condition that alias (a row of table, which has
// search_text and, on SQLite, an FTS5 trigram index table_fts over it)
// contains term, with its argument.
//
// SQLite evaluates terms of 3 or more characters once on the trigram index,
// reading at most denseMatches+1 row ids (5,000 by default). When there are
// no more, the condition is membership in that list (json_each over one
// argument), so the count and the page look up only those rows. When there
// are more, many rows match, and a LIKE filter along the ordered index finds
// a page after a few rows, where the FTS subquery would materialize and sort
// every match. Shorter terms, and PostgreSQL (whose pg_trgm GIN
// index serves LIKE), use LIKE. listed reports the first case: the page
// query then counts the matches too (see pageQuery.windowed).
func (t *Tx) searchClause(ctx context.Context, table, alias, term string) (cond string, arg any, listed bool, err error) {
	like := alias + `.search_text LIKE ? ESCAPE '\'`
	likeArg := "%" + escapeLike(term) + "%"
	if t.dialect != SQLite || utf8.RuneCountInString(term) < 3 {
		return like, likeArg, false, nil
	}
	phrase := `"` + strings.ReplaceAll(term, `"`, `""`) + `"`
	rows, err := t.Query(ctx, "SELECT rowid FROM "+table+"_fts WHERE "+table+"_fts MATCH ? LIMIT ?", phrase, t.denseMatches+1)
	if err != nil {
		return "", nil, false, err
	}
	defer rows.Close()
	var b strings.Builder
	b.WriteByte('[')
	n := 0
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return "", nil, false, mapError(err)
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
		n++
	}
	if err := rows.Err(); err != nil {
		return "", nil, false, mapError(err)
	}
	if n > t.denseMatches {
		return like, likeArg, false, nil
	}
	b.WriteByte(']')
	return alias + ".seq IN (SELECT value FROM json_each(?))", b.String(), true, nil
}

// whereClause joins conditions with AND, or returns "" for none.
func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// page returns the clamped limit and offset.
func page(limit, offset int) (int, int) {
	return directory.PageLimit(limit), max(offset, 0)
}

package sqlstore

import (
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

// searchClause returns the condition that alias (a row of table, which has
// search_text and, on SQLite, an FTS5 trigram index table_fts over it)
// contains term, with its argument. SQLite uses the trigram index for terms
// of 3 or more characters; shorter terms, and PostgreSQL (whose pg_trgm GIN
// index serves LIKE), use LIKE. fts reports that the FTS5 table is used:
// its matches are then materialized anyway, so the page query counts them
// too (see pageQuery.windowed).
func (t *Tx) searchClause(table, alias, term string) (cond string, arg any, fts bool) {
	if t.dialect == SQLite && utf8.RuneCountInString(term) >= 3 {
		phrase := `"` + strings.ReplaceAll(term, `"`, `""`) + `"`
		return alias + ".seq IN (SELECT rowid FROM " + table + "_fts WHERE " + table + "_fts MATCH ?)", phrase, true
	}
	return alias + `.search_text LIKE ? ESCAPE '\'`, "%" + escapeLike(term) + "%", false
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

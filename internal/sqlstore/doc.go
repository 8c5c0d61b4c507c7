// Package sqlstore is the SQL backend of directory.Store, for SQLite (modernc.org/sqlite) and PostgreSQL (pgx).
//
// # Opening
//
// Open takes "sqlite:PATH", "sqlite::memory:" or a postgres:// URL, opens the
// database and applies the embedded migrations that are pending. Both
// dialects go through database/sql, so the SQL code path is one.
//
// SQLite: every connection gets busy_timeout, foreign_keys=ON and
// synchronous=NORMAL from _pragma DSN parameters (so every pooled connection
// has them) and the file is in WAL mode. Update runs on a pool of ONE
// connection whose transactions begin IMMEDIATE, so writers queue in the
// process and never fail upgrading a read lock; other processes wait up to
// the busy timeout. View runs on a separate pool of query_only connections,
// which readers share concurrently with the writer (WAL). ":memory:" is one
// connection held for the life of the Store; View sets query_only on it for
// the duration of fn. Calling Update or View from inside fn can deadlock.
//
// PostgreSQL: one pool (pgx's database/sql driver). Update runs at READ
// COMMITTED and is retried, calling fn again, when PostgreSQL aborts it with a
// serialization failure or a deadlock; View transactions are READ ONLY.
//
// # Schema and migrations
//
// migrations/sqlite and migrations/postgres hold NNNN_name.sql files with the
// same numbers and names in both. Open applies those not yet recorded in
// schema_migrations, in order, in one transaction; on PostgreSQL that
// transaction first takes an advisory lock so that processes starting at
// once migrate one after the other. Packages that keep their own tables here
// (apps, provisioning queue, events, sessions) add files to both directories
// and reach their tables through UpdateTx/ViewTx, whose *Tx has Exec, Query
// and QueryRow with ? placeholders (Rebind rewrites them to $n for
// PostgreSQL; nothing else in the SQL is rewritten, so write SQL both
// dialects accept) and Dialect for the rare statement that differs.
//
// Times are BIGINT microseconds since the Unix epoch (TimeValue/TimeOf): UTC
// by construction, exact to the microsecond, equal after a round trip, and
// compared the same way in both dialects. Case-insensitive uniqueness uses
// *_key columns holding the value lower-cased by Go (Unicode-aware and the
// same in both dialects, where SQLite's lower() folds only ASCII) under
// plain UNIQUE constraints; a partial unique index makes a non-empty
// employee identifier unique.
//
// # Search
//
// Each searchable table has search_text: its searched attributes, lower-cased,
// joined by U+001F (which terms never contain, so a match cannot span two
// attributes). On SQLite an FTS5 table with the trigram tokenizer, kept in
// step by triggers, answers terms of 3+ characters as a phrase, which for
// trigrams is a substring match: up to 5,000 matching row ids are read once
// and the page and its count (a window count) look up only those rows;
// beyond that the term is so common that a LIKE filter along the sort
// order's index fills a page at once, and the count scans. On PostgreSQL a
// pg_trgm GIN index serves search_text LIKE '%term%' (wildcards in the term
// escaped), with a separate count; when that count is at most 5,000 the page
// sorts the matches from a MATERIALIZED CTE (the planner, seeing LIMIT,
// would rather walk the sort order's index, filtering thousands of rows). Terms of 1-2 characters scan with LIKE
// on both. Pages are LIMIT/OFFSET; every order ends on a unique key. The
// exact total makes a search cost grow with its number of matches: about
// 50 ms for a term that every one of 100,000 users matches. Store.Optimize
// (after a bulk import) merges FTS segments, flushes GIN pending lists and
// refreshes planner statistics.
//
// # Errors
//
// Driver errors are mapped where they leave the package (MapError): unique
// violations become ECONFLICT naming the field, unreachable databases and an
// SQLite lock held past the busy timeout EUNAVAILABLE, missing rows ENOTFOUND
// in the directory methods. The change log's sequence follows commit order:
// on PostgreSQL AppendChanges holds an advisory lock until commit.
package sqlstore

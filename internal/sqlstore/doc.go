// Package sqlstore is the SQL backend of directory.Store, for SQLite (modernc.org/sqlite) and PostgreSQL (pgx).
package sqlstore

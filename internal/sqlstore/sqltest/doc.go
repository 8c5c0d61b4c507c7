// Package sqltest gives tests a fresh database of each backend: a temp SQLite file and a new PostgreSQL schema.
package sqltest

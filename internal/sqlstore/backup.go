package sqlstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// Backup writes a consistent copy of an SQLite database to the new file
// path with VACUUM INTO, while the store stays open: readers and writers go
// on meanwhile (the copy is one read transaction; on an SQLite file it runs
// on the read pool, so writers are not held up). The file is created with
// mode 0600 because it holds password hashes and sealed secrets; an existing
// file (even an empty one) is refused with ECONFLICT and left as it is.
// The copy is a complete database: Open applies no migration to it.
//
// On PostgreSQL Backup refuses with EINVALID: use pg_dump -Fc (and
// pg_restore) instead. Sealed secrets in either copy open only with the
// master key, which is not in the database: back it up separately.
func (s *Store) Backup(ctx context.Context, path string) (err error) {
	if s.dialect != SQLite {
		return directory.Errorf(directory.EINVALID,
			"backup: the database is PostgreSQL; back it up with pg_dump -Fc (restore with pg_restore), and keep the master key separately")
	}
	if path == "" {
		return directory.Errorf(directory.EINVALID, "backup: the output file name is empty")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// O_EXCL refuses an existing file atomically; VACUUM INTO then fills the
	// empty file (SQLite accepts a target that is empty).
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case errors.Is(err, fs.ErrExist):
		return directory.Errorf(directory.ECONFLICT, "backup: %s already exists; choose a new file name", path)
	case err != nil:
		return directory.Errorf(directory.EINVALID, "backup: cannot create %s: %v", path, unwrapPathError(err))
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(abs)
		return fmt.Errorf("backup: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(abs)
			_ = os.Remove(abs + "-journal")
		}
	}()
	if s.memory {
		// An in-memory store has one connection, which is the database.
		if _, err := s.write.ExecContext(ctx, "VACUUM INTO ?", abs); err != nil {
			return fmt.Errorf("backup: %w", mapError(err))
		}
		return nil
	}
	// A connection of the read pool, so writers are not held up; the pool is
	// query_only, which forbids VACUUM INTO, so lift it on this connection
	// for the copy and put it back (or drop the connection).
	conn, err := s.read.Conn(ctx)
	if err != nil {
		return fmt.Errorf("backup: %w", mapError(err))
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA query_only = OFF"); err != nil {
		return fmt.Errorf("backup: %w", mapError(err))
	}
	defer func() {
		if _, rerr := conn.ExecContext(context.Background(), "PRAGMA query_only = ON"); rerr != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // never reuse it writable
		}
	}()
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", abs); err != nil {
		return fmt.Errorf("backup: %w", mapError(err))
	}
	return nil
}

// unwrapPathError returns the cause of an *fs.PathError without repeating the
// path, for messages that already name it.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

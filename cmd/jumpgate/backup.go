package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

type backupCmd struct {
	serverFlags `embed:""`
	Out         string `name:"out" required:"" placeholder:"FILE" help:"The backup file to write; it must not exist yet."`
}

// Run copies the SQLite database named by --db to --out while a server may
// be using it. PostgreSQL is refused before connecting: pg_dump does that.
func (c *backupCmd) Run(ctx context.Context, m *Main) error {
	cfg, err := m.loadConfig(&c.serverFlags)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(cfg.DB, "sqlite:") {
		return directory.Errorf(directory.EINVALID,
			"backup: --db is not SQLite; back up PostgreSQL with pg_dump -Fc (restore with pg_restore), and keep the master key separately")
	}
	path := strings.TrimPrefix(cfg.DB, "sqlite:")
	if path == ":memory:" {
		return directory.Errorf(directory.EINVALID, "backup: sqlite::memory: lives only inside its process; there is nothing to back up")
	}
	// Opening a missing file would create an empty database: refuse instead.
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return directory.Errorf(directory.ENOTFOUND, "backup: no database at %s", path)
	} else if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, c.Out); err != nil {
		return err
	}
	fi, err := os.Stat(c.Out)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(m.Stdout, "Backed up %s to %s (%d bytes).\n", path, c.Out, fi.Size())
	fmt.Fprintln(m.Stdout, "Secrets in it open only with the master key: keep a copy of the key apart from the backup.")
	return nil
}

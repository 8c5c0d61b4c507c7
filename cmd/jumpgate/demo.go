package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/config"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// DemoAdminEmail is the demo's first administrator.
const DemoAdminEmail = "admin@example.com"

// demoKeyName names the API keys demo makes; each start revokes the
// earlier ones and prints a fresh key (only hashes are stored).
const demoKeyName = "demo"

// DemoOptions configure DemoSetup.
type DemoOptions struct {
	DataDir string // holds master.key and, by default, jumpgate.db
	DB      string // "" means sqlite:<DataDir>/jumpgate.db
	// MasterKey is used when set; otherwise <DataDir>/master.key is read,
	// or made (0600) on the first run.
	MasterKey []byte
	Reset     bool // delete the demo's database and master key first
	Now       func() time.Time
	Rand      io.Reader
	Hasher    auth.Hasher
}

// Demo is what DemoSetup made. The caller closes Store.
type Demo struct {
	Store     *sqlstore.Store
	Service   *lifecycle.Service
	MasterKey []byte
	Admin     directory.Admin
	// AdminPassword is set only on the first run, when the admin is made.
	AdminPassword string
	APIKey        string
	FirstRun      bool
}

// DemoSetup prepares the demo: data directory, master key, database with
// migrations, the first admin and a fresh API key. Later issues add their
// demo data here.
func DemoSetup(ctx context.Context, o DemoOptions) (*Demo, error) {
	if o.DataDir == "" {
		return nil, errors.New("demo: no data directory")
	}
	keyFile := filepath.Join(o.DataDir, "master.key")
	dbPath := filepath.Join(o.DataDir, "jumpgate.db")
	if o.DB == "" {
		o.DB = "sqlite:" + dbPath
	}
	if o.Reset && filepath.Clean(strings.TrimPrefix(o.DB, "sqlite:")) != filepath.Clean(dbPath) {
		return nil, fmt.Errorf("demo: --reset deletes only the demo's SQLite database %s, not %s", dbPath, redactDSN(o.DB))
	}
	if o.Reset {
		for _, p := range []string{dbPath, dbPath + "-wal", dbPath + "-shm", keyFile} {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("demo: reset: %w", err)
			}
		}
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	key := o.MasterKey
	if key == nil {
		var err error
		if key, err = demoMasterKey(keyFile, o.Rand); err != nil {
			return nil, err
		}
	}
	st, err := sqlstore.Open(ctx, o.DB)
	if err != nil {
		return nil, fmt.Errorf("demo: open database: %w", err)
	}
	d := &Demo{Store: st, MasterKey: key}
	d.Service = &lifecycle.Service{Store: st, Now: o.Now, Rand: o.Rand, Hasher: o.Hasher}
	if err := d.bootstrap(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return d, nil
}

func demoMasterKey(path string, r io.Reader) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		k, err := secrets.ParseKey(string(data))
		if err != nil {
			return nil, fmt.Errorf("demo: %s: %w", path, err)
		}
		return k, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("demo: %w", err)
	}
	enc, err := secrets.GenerateKey(r)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("demo: write master key: %w", err)
	}
	if _, err := f.WriteString(enc + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("demo: write master key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("demo: write master key: %w", err)
	}
	return secrets.ParseKey(enc)
}

func (d *Demo) bootstrap(ctx context.Context) error {
	pw, err := d.Service.GeneratePassword()
	if err != nil {
		return err
	}
	a, created, err := d.Service.EnsureAdmin(ctx, lifecycle.NewAdmin{Email: DemoAdminEmail, Name: "Demo Admin", Password: pw})
	if err != nil {
		return fmt.Errorf("demo: admin: %w", err)
	}
	d.Admin, d.FirstRun = *a, created
	if created {
		d.AdminPassword = pw
	}
	var keys []directory.APIKey
	if err := d.Store.View(ctx, func(tx directory.Tx) error {
		keys, err = tx.ListAPIKeys(ctx, a.ID)
		return err
	}); err != nil {
		return err
	}
	for _, k := range keys {
		if k.Name == demoKeyName && k.RevokedAt == nil {
			if err := d.Service.RevokeAPIKey(ctx, k.ID); err != nil {
				return err
			}
		}
	}
	d.APIKey, _, err = d.Service.CreateAPIKey(ctx, a.ID, demoKeyName, nil)
	return err
}

type demoCmd struct {
	serverFlags `embed:""`
	Reset       bool `name:"reset" help:"Delete the demo's database and master key and start from scratch."`
}

func (c *demoCmd) Run(ctx context.Context, m *Main) error {
	cfg, err := m.loadConfig(&c.serverFlags)
	if err != nil {
		return err
	}
	o := DemoOptions{DataDir: cfg.DataDir, Reset: c.Reset, Now: m.Now, Rand: m.Rand}
	if cfg.DB != config.DefaultDB || cfg.DataDir == config.DefaultDataDir {
		o.DB = cfg.DB
	}
	if cfg.MasterKey != "" || cfg.MasterKeyFile != "" {
		if o.MasterKey, err = cfg.MasterKeyBytes(); err != nil {
			return err
		}
	}
	d, err := DemoSetup(ctx, o)
	if err != nil {
		return err
	}
	defer d.Store.Close()
	logger := m.logger(cfg)
	a, err := m.newApp(d.Store, d.MasterKey, logger)
	if err != nil {
		return err
	}
	a.service = d.Service
	return m.serve(ctx, cfg, a, func(url string) { m.printDemo(url, d) })
}

func (m *Main) printDemo(url string, d *Demo) {
	w := m.Stdout
	var b strings.Builder
	fmt.Fprintf(&b, "\nJumpgate demo is running at %s\n\n", url)
	fmt.Fprintf(&b, "  Admin login:    %s\n", d.Admin.Email)
	if d.AdminPassword != "" {
		fmt.Fprintf(&b, "  Admin password: %s   (shown only now; only a hash is stored)\n", d.AdminPassword)
	} else {
		b.WriteString("  Admin password: printed at the first run (only a hash is stored);\n")
		b.WriteString("                  start from scratch with: go run ./cmd/jumpgate demo --reset\n")
	}
	fmt.Fprintf(&b, "  API key:        %s   (new at each start; earlier demo keys are revoked)\n\n", d.APIKey)
	b.WriteString("Try the CLI in another terminal:\n\n")
	fmt.Fprintf(&b, "  export JUMPGATE_URL=%s JUMPGATE_API_KEY=%s\n", url, d.APIKey)
	b.WriteString("  go run ./cmd/jumpgate users add --username ada --email ada@example.com --firstname Ada --lastname Lovelace\n")
	b.WriteString("  go run ./cmd/jumpgate groups add --name Engineering\n")
	b.WriteString("  go run ./cmd/jumpgate groups members add Engineering ada\n")
	b.WriteString("  go run ./cmd/jumpgate users list\n")
	fmt.Fprintf(&b, "  curl -H \"Authorization: Bearer $JUMPGATE_API_KEY\" %s/api/v1/users\n\n", url)
	b.WriteString("Press Ctrl-C to stop.\n")
	fmt.Fprint(w, b.String())
}

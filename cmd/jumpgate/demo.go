package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/config"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// DemoAdminEmail is the demo's first administrator.
const DemoAdminEmail = "admin@example.com"

// demoKeyName names the API keys demo makes; each start revokes the
// earlier ones and prints a fresh key (only hashes are stored).
const demoKeyName = "demo"

// Files of the demo in its data directory.
const (
	demoKeyFile     = "master.key"
	demoDBFile      = "jumpgate.db"
	demoQuipDBFile  = "quipsim.db"
	demoQuipTokFile = "quipsim-acme.token"
)

// DemoOptions configure DemoSetup.
type DemoOptions struct {
	DataDir string // holds master.key, quipsim.db and, by default, jumpgate.db
	DB      string // "" means sqlite:<DataDir>/jumpgate.db
	// MasterKey is used when set; otherwise <DataDir>/master.key is read,
	// or made (0600) on the first run.
	MasterKey []byte
	// Reset deletes the demo's databases (Jumpgate's and quipsim's), the
	// master key and quipsim's token file first.
	Reset bool
	// QuipsimAddr is where quipsim listens (port 0 picks a free port);
	// empty means no quipsim: only Jumpgate's data is made.
	QuipsimAddr string
	// QuipsimRateLimit is quipsim's SCIM limit per minute: 0 is Quip's 600,
	// a negative value turns it off.
	QuipsimRateLimit int
	Now              func() time.Time
	Rand             io.Reader
	Hasher           auth.Hasher
	// Logger receives quipsim's logs (discarded when nil).
	Logger *slog.Logger
	// NewService, when set, builds the lifecycle service that makes the
	// demo's changes: the server's, so that they run its effects (Directory
	// Insights, provisioning). The default has no effects.
	NewService func(st *sqlstore.Store, masterKey []byte) (*lifecycle.Service, error)
}

// DefaultQuipsimAddr is where the demo's quipsim listens by default.
const DefaultQuipsimAddr = "127.0.0.1:8081"

// Demo is what DemoSetup made: Jumpgate's store with the demo data and a
// running quipsim. Connect wires the two once Jumpgate listens; Close
// stops quipsim and closes both databases.
type Demo struct {
	Store     *sqlstore.Store
	Service   *lifecycle.Service
	MasterKey []byte
	Admin     directory.Admin
	// AdminPassword is set only on the first run, when the admin is made.
	AdminPassword string
	APIKey        string
	FirstRun      bool
	// Users are the demo's directory users with their demo passwords.
	Users []DemoUser
	// Created counts what this run made (users, groups, memberships,
	// quipsim company, quipsim-only users, app); zero on a later run
	// that found everything in place.
	Created int

	// Quip is the in-process quipsim, serving at QuipsimURL.
	Quip        *quipsim.Server
	QuipCompany quipsim.Company
	QuipsimURL  string
	// QuipToken is the SCIM token of the company acme that Jumpgate's
	// identity management uses (set by Connect).
	QuipToken string
	// App is the Quip application (set by Connect); AppRecreatedFrom is
	// the IdP URL of the app Connect replaced because Jumpgate's URL
	// changed, "" when it did not.
	App              *directory.App
	AppRecreatedFrom string

	dataDir string
	otherDB string // the database, redacted, when not the data directory's
	logger  *slog.Logger
	client  *http.Client
	quipHS  *http.Server
	quipErr chan error
}

// DemoSetup prepares the demo: data directory, master key, database with
// migrations, the first admin, a fresh API key, the demo users and groups,
// and, when o.QuipsimAddr is set, quipsim with the company acme listening
// there. What exists already is kept. The caller calls Connect once
// Jumpgate listens, and Close at the end.
func DemoSetup(ctx context.Context, o DemoOptions) (*Demo, error) {
	if o.DataDir == "" {
		return nil, errors.New("demo: no data directory")
	}
	keyFile := filepath.Join(o.DataDir, demoKeyFile)
	dbPath := filepath.Join(o.DataDir, demoDBFile)
	if o.DB == "" {
		o.DB = "sqlite:" + dbPath
	}
	if o.Reset && filepath.Clean(strings.TrimPrefix(o.DB, "sqlite:")) != filepath.Clean(dbPath) {
		return nil, fmt.Errorf("demo: --reset deletes only the demo's SQLite database %s, not %s", dbPath, redactDSN(o.DB))
	}
	if o.Reset {
		quipDB := filepath.Join(o.DataDir, demoQuipDBFile)
		for _, p := range []string{dbPath, dbPath + "-wal", dbPath + "-shm", keyFile,
			quipDB, quipDB + "-wal", quipDB + "-shm", filepath.Join(o.DataDir, demoQuipTokFile)} {
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
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d := &Demo{Store: st, MasterKey: key, dataDir: o.DataDir, logger: logger,
		client: &http.Client{Timeout: 30 * time.Second}}
	if o.DB != "sqlite:"+dbPath {
		d.otherDB = redactDSN(o.DB)
	}
	d.Service = &lifecycle.Service{Store: st, Now: o.Now, Rand: o.Rand, Hasher: o.Hasher}
	if o.NewService != nil {
		if d.Service, err = o.NewService(st, key); err != nil {
			d.Close()
			return nil, err
		}
		if o.Hasher != (auth.Hasher{}) {
			d.Service.Hasher = o.Hasher
		}
	}
	if err := d.bootstrap(ctx); err != nil {
		d.Close()
		return nil, err
	}
	if err := d.seedDirectory(ctx, o); err != nil {
		d.Close()
		return nil, err
	}
	if o.QuipsimAddr == "" {
		return d, nil
	}
	if err := d.startQuipsim(ctx, o); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Close stops quipsim (waiting up to 5 s for requests in flight) and
// closes both databases. It may be called more than once.
func (d *Demo) Close() error {
	var errs []error
	if d.quipHS != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := d.quipHS.Shutdown(sctx); err != nil {
			errs = append(errs, fmt.Errorf("demo: stop quipsim: %w", err))
		}
		cancel()
		if err := <-d.quipErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("demo: quipsim: %w", err))
		}
		d.quipHS = nil
	}
	if d.client != nil {
		d.client.CloseIdleConnections()
	}
	if d.Quip != nil {
		if err := d.Quip.Close(); err != nil {
			errs = append(errs, err)
		}
		d.Quip = nil
	}
	if d.Store != nil {
		if err := d.Store.Close(); err != nil {
			errs = append(errs, err)
		}
		d.Store = nil
	}
	return errors.Join(errs...)
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
	if err := writeSecretFile(path, enc); err != nil {
		return nil, fmt.Errorf("demo: write master key: %w", err)
	}
	return secrets.ParseKey(enc)
}

// writeSecretFile writes a new file of mode 0600 holding s and a newline.
func writeSecretFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
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

// actor is the demo admin, who makes the demo's changes.
func (d *Demo) actor() directory.Actor {
	return directory.Actor{Type: directory.ActorAdmin, ID: d.Admin.ID, Email: d.Admin.Email}
}

type demoCmd struct {
	serverFlags `embed:""`
	Reset       bool   `name:"reset" help:"Delete the demo's databases, master key and quipsim token and start from scratch."`
	QuipsimAddr string `name:"quipsim-addr" placeholder:"HOST:PORT" help:"Listen address of the demo's quipsim, the Quip-compatible service (default 127.0.0.1:8081; a free port when --addr's port is 0)."`
}

func (c *demoCmd) Run(ctx context.Context, m *Main) error {
	cfg, err := m.loadConfig(&c.serverFlags)
	if err != nil {
		return err
	}
	logger := m.logger(cfg)
	o := DemoOptions{DataDir: cfg.DataDir, Reset: c.Reset, Now: m.Now, Rand: m.Rand, QuipsimAddr: c.QuipsimAddr,
		Logger: logger.With("service", "quipsim")}
	if o.QuipsimAddr == "" {
		o.QuipsimAddr = DefaultQuipsimAddr
		if _, port, err := net.SplitHostPort(cfg.Addr); err == nil && port == "0" {
			o.QuipsimAddr = "127.0.0.1:0"
		}
	}
	if cfg.DB != config.DefaultDB || cfg.DataDir == config.DefaultDataDir {
		o.DB = cfg.DB
	}
	if cfg.MasterKey != "" || cfg.MasterKeyFile != "" {
		if o.MasterKey, err = cfg.MasterKeyBytes(); err != nil {
			return err
		}
	}
	// The demo's changes go through the server's service, so that they run
	// its effects (Directory Insights, provisioning).
	var a *app
	o.NewService = func(st *sqlstore.Store, key []byte) (*lifecycle.Service, error) {
		var err error
		if a, err = m.newApp(st, key, logger); err != nil {
			return nil, err
		}
		return a.service, nil
	}
	d, err := DemoSetup(ctx, o)
	if err != nil {
		return err
	}
	defer func() {
		if err := d.Close(); err != nil {
			logger.Warn("demo: stopping quipsim", "err", err)
		}
	}()
	if a.prov == nil {
		return errors.New("demo: identity management needs the SQL store")
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	var connectErr error
	err = m.serve(sctx, cfg, a, func(url string) {
		if connectErr = d.Connect(sctx, url, a.prov.manager); connectErr != nil {
			stop()
			return
		}
		m.printDemo(url, d)
	})
	if connectErr != nil && ctx.Err() == nil {
		return connectErr // not an interrupt during the start
	}
	return err
}

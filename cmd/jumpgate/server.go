package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/config"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/lease"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
	"github.com/jumpgate-idp/jumpgate/internal/web"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

// serverFlags are the settings of config.Settings as flags. Empty means
// not given, so that the file and environment apply (see config.Load).
type serverFlags struct {
	Config          string `name:"config" placeholder:"FILE" help:"Config file: JSON object or 'name = value' lines (env JUMPGATE_CONFIG)."`
	DB              string `name:"db" placeholder:"DSN" help:"Database: sqlite:PATH, sqlite::memory: or postgres://... (env JUMPGATE_DB; default sqlite:./jumpgate-data/jumpgate.db)."`
	Addr            string `name:"addr" placeholder:"HOST:PORT" help:"Listen address (env JUMPGATE_ADDR; default 127.0.0.1:8080)."`
	BaseURL         string `name:"base-url" placeholder:"URL" help:"Public URL (env JUMPGATE_BASE_URL; default http://<addr>)."`
	MasterKey       string `name:"master-key" placeholder:"BASE64" help:"Master key, 32 random bytes in base64 (env JUMPGATE_MASTER_KEY)."`
	MasterKeyFile   string `name:"master-key-file" placeholder:"FILE" help:"File holding the master key (env JUMPGATE_MASTER_KEY_FILE)."`
	DataDir         string `name:"data-dir" placeholder:"DIR" help:"Demo data directory (env JUMPGATE_DATA_DIR; default ./jumpgate-data)."`
	LogLevel        string `name:"log-level" placeholder:"LEVEL" help:"debug, info, warn or error (env JUMPGATE_LOG_LEVEL)."`
	LogFormat       string `name:"log-format" placeholder:"FORMAT" help:"text or json (env JUMPGATE_LOG_FORMAT)."`
	ShutdownTimeout string `name:"shutdown-timeout" placeholder:"DURATION" help:"Graceful shutdown wait (env JUMPGATE_SHUTDOWN_TIMEOUT; default 15s)."`
	TLSCert         string `name:"tls-cert" placeholder:"FILE" help:"PEM certificate (chain): serve HTTPS with --tls-key and send HSTS (env JUMPGATE_TLS_CERT)."`
	TLSKey          string `name:"tls-key" placeholder:"FILE" help:"PEM private key of --tls-cert (env JUMPGATE_TLS_KEY)."`
	TrustedProxies  string `name:"trusted-proxies" placeholder:"CIDRS" help:"Load balancers whose X-Forwarded-For is believed, comma-separated IPs or CIDRs (env JUMPGATE_TRUSTED_PROXIES)."`
	EventsRetention string `name:"events-retention" placeholder:"DURATION" help:"How long Directory Insights events are kept, e.g. 2160h (env JUMPGATE_EVENTS_RETENTION; default 90 days)."`
}

// eventsRetention is --events-retention (or JUMPGATE_EVENTS_RETENTION),
// insights.DefaultRetention when neither is set.
func (m *Main) eventsRetention(f *serverFlags) (time.Duration, error) {
	v := f.EventsRetention
	if v == "" {
		v = m.getenv("JUMPGATE_EVENTS_RETENTION")
	}
	if v == "" {
		return insights.DefaultRetention, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Hour {
		return 0, fmt.Errorf("--events-retention %q: want a duration of at least 1h, such as 2160h", v)
	}
	return d, nil
}

func (f *serverFlags) values() map[string]string {
	out := map[string]string{}
	for k, v := range map[string]string{
		"config": f.Config, "db": f.DB, "addr": f.Addr, "base-url": f.BaseURL, "master-key": f.MasterKey,
		"master-key-file": f.MasterKeyFile, "data-dir": f.DataDir, "log-level": f.LogLevel, "log-format": f.LogFormat,
		"shutdown-timeout": f.ShutdownTimeout, "tls-cert": f.TLSCert, "tls-key": f.TLSKey,
		"trusted-proxies": f.TrustedProxies,
	} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

func (m *Main) loadConfig(f *serverFlags) (config.Config, error) {
	cfg, err := config.Load(f.values(), m.getenv)
	if err != nil {
		return config.Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return config.Config{}, err
	}
	return cfg, nil
}

func (m *Main) logger(cfg config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(m.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(m.Stderr, opts))
}

// openStore opens the database and applies migrations.
func openStore(ctx context.Context, dsn string) (*sqlstore.Store, error) {
	st, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redactDSN(dsn), err)
	}
	return st, nil
}

// redactDSN hides a password in a postgres URL.
func redactDSN(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		rest := dsn[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if colon := strings.Index(rest[:at], ":"); colon >= 0 {
				return dsn[:i+3] + rest[:colon] + ":***" + rest[at:]
			}
		}
	}
	return dsn
}

// app is the running server's parts, built once for serve and demo.
type app struct {
	store   directory.Store
	sealer  *secrets.Sealer
	service *lifecycle.Service
	logger  *slog.Logger
	// users signs directory users in (set when the console is mounted).
	users            *userauth.Service
	persistentSecret []byte
	// insights stores Directory Insights events (nil without the SQL store).
	insights        *insights.Store
	eventsRetention time.Duration
	// prov is identity management (nil without the SQL store).
	prov *provisioning
	// duties runs periodic duties once across replicas (nil without the SQL store).
	duties *lease.Runner
}

func (m *Main) newApp(st directory.Store, key []byte, logger *slog.Logger) (*app, error) {
	sealer, err := secrets.New(key)
	if err != nil {
		return nil, err
	}
	// Password hashes hold 19 MiB each while they run: at most one per CPU at once.
	svc := &lifecycle.Service{Store: st, Now: m.Now, Rand: m.Rand, Hasher: auth.Hasher{Limit: auth.NewLimiter(runtime.GOMAXPROCS(0))}}
	a := &app{store: st, sealer: sealer, service: svc, logger: logger, persistentSecret: persistentNameIDSecret(key),
		eventsRetention: insights.DefaultRetention}
	if sst, ok := st.(*sqlstore.Store); ok {
		a.insights = &insights.Store{DB: sst, Now: m.Now, CursorKey: insightsCursorKey(key)}
		svc.Effects = append(svc.Effects, a.insights.Effect)
		a.duties = m.newDuties(sst, a)
	}
	m.wireProvisioning(a)
	return a, nil
}

// insightsCursorKey derives the key that signs Directory Insights cursors
// from the master key, so cursors stay valid across restarts and replicas.
func insightsCursorKey(masterKey []byte) []byte {
	m := hmac.New(sha256.New, masterKey)
	m.Write([]byte("jumpgate insights cursor v1"))
	return m.Sum(nil)
}

// serve listens on cfg.Addr and answers until ctx is done.
func (m *Main) serve(ctx context.Context, cfg config.Config, a *app, announce func(url string)) error {
	proxies, err := cfg.TrustedProxyPrefixes()
	if err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	srv := web.NewServer(web.Options{TrustedProxies: proxies, Logger: a.logger, Ping: a.store.Ping, ShutdownTimeout: cfg.ShutdownTimeout, Now: m.Now,
		TLSCertFile: cfg.TLSCert, TLSKeyFile: cfg.TLSKey})
	apiHandler := &api.Handler{Store: a.store, Service: a.service, Auth: &auth.Authenticator{Store: a.store, Now: m.Now}}
	if a.insights != nil {
		apiHandler.Insights = a.insights
		apiHandler.AuthFailures = insights.AuthRecorder{Store: a.insights, Logger: a.logger}
		pruneCtx, stopPruning := context.WithCancel(ctx)
		var pruning sync.WaitGroup
		pruning.Go(func() { a.runPruning(pruneCtx) })
		pruning.Go(func() { a.runCertificateCheck(pruneCtx) })
		defer pruning.Wait()
		defer stopPruning()
	}
	defer a.startProvisioning(ctx, apiHandler)()
	srv.Mount(apiHandler)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (--addr): %w", cfg.Addr, err)
	}
	url := cfg.PublicURL(ln.Addr())
	if err := mountSignIn(srv, a, url, m); err != nil {
		ln.Close()
		return err
	}
	apiHandler.Users = a.users
	defer a.startImports(ctx, cfg, apiHandler, url)()
	if err := mountPortal(srv, a, apiHandler, url, m); err != nil {
		ln.Close()
		return err
	}
	a.logger.Info("listening", "addr", ln.Addr().String(), "url", url)
	if announce != nil {
		announce(url)
	}
	if m.Ready != nil {
		m.Ready(url)
	}
	return srv.Serve(ctx, ln)
}

type serveCmd struct {
	serverFlags       `embed:""`
	ProvisionLeaseTTL string `name:"provision-lease-ttl" placeholder:"DURATION" help:"How long a replica holds a provisioning key between renewals; a crashed replica's keys are taken over after it (env JUMPGATE_PROVISION_LEASE_TTL; default 2m)."`
}

func (c *serveCmd) Run(ctx context.Context, m *Main) error {
	cfg, err := m.loadConfig(&c.serverFlags)
	if err != nil {
		return err
	}
	key, err := cfg.MasterKeyBytes()
	if err != nil {
		return fmt.Errorf("serve refuses to start: %w", err)
	}
	logger := m.logger(cfg)
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	a, err := m.newApp(st, key, logger)
	if err != nil {
		return err
	}
	if a.eventsRetention, err = m.eventsRetention(&c.serverFlags); err != nil {
		return err
	}
	if a.prov != nil {
		if a.prov.engine.LeaseTTL, err = m.provisionLeaseTTL(c.ProvisionLeaseTTL); err != nil {
			return err
		}
	}
	var admins []directory.Admin
	if err := st.View(ctx, func(tx directory.Tx) error {
		admins, err = tx.ListAdmins(ctx)
		return err
	}); err != nil {
		return err
	}
	if len(admins) == 0 {
		logger.Warn("no administrator yet: create one with `jumpgate admins create --email you@example.com` (same --db)")
	}
	return m.serve(ctx, cfg, a, nil)
}

package config

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sort"
	"strings"
	"time"
)

// Config is every setting of the server. The zero value is not usable: start
// from Default() or Load.
type Config struct {
	DB              string        // sqlite:PATH, sqlite::memory: or postgres://...
	Addr            string        // host:port to listen on
	BaseURL         string        // public URL; "" means derived from the bound address
	MasterKey       string        // base64 of 32 bytes
	MasterKeyFile   string        // file holding MasterKey
	DataDir         string        // where demo keeps its database and master key
	LogLevel        string        // debug, info, warn, error
	LogFormat       string        // text or json
	ShutdownTimeout time.Duration // how long graceful shutdown waits
	SMTPHost        string        // SMTP server for notification mail; "" keeps mail in the outbox
	SMTPPort        string        // its port
	SMTPUsername    string        // "" sends without authentication
	SMTPPassword    string        // password of SMTPUsername
	SMTPFrom        string        // sender address
	SMTPTLS         string        // none, starttls or tls
	TLSCert         string        // PEM certificate chain file; with TLSKey, serve HTTPS
	TLSKey          string        // PEM private key file of TLSCert
	TrustedProxies  string        // comma-separated IPs or CIDRs of load balancers whose X-Forwarded-For is believed
}

// Setting describes one setting: its name (also the key in a config file),
// flag, environment variable, default and meaning. Settings is the one list
// the loader, the validator and the README follow.
type Setting struct {
	Name    string
	Env     string
	Default string
	Help    string
	set     func(*Config, string) error
	get     func(*Config) string
}

// Flag returns the command-line flag of the setting.
func (s Setting) Flag() string { return "--" + s.Name }

func str(f func(*Config) *string) (func(*Config, string) error, func(*Config) string) {
	return func(c *Config, v string) error { *f(c) = v; return nil }, func(c *Config) string { return *f(c) }
}

func setting(name, def, help string, f func(*Config) *string) Setting {
	set, get := str(f)
	return Setting{Name: name, Env: envName(name), Default: def, Help: help, set: set, get: get}
}

func envName(name string) string {
	return "JUMPGATE_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// Defaults of the settings that have one.
const (
	DefaultDB      = "sqlite:./jumpgate-data/jumpgate.db"
	DefaultAddr    = "127.0.0.1:8080"
	DefaultDataDir = "./jumpgate-data"
)

// Settings lists every setting in the order the README shows them. The
// config-file setting itself (--config / JUMPGATE_CONFIG) is handled by Load.
var Settings = []Setting{
	setting("db", DefaultDB, "database: sqlite:PATH, sqlite::memory: or a postgres:// URL", func(c *Config) *string { return &c.DB }),
	setting("addr", DefaultAddr, "host:port the HTTP server listens on (port 0 picks a free port)", func(c *Config) *string { return &c.Addr }),
	setting("base-url", "", "public URL of the server (used in links, SAML metadata); default http://<addr>", func(c *Config) *string { return &c.BaseURL }),
	setting("master-key", "", "base64 of 32 random bytes that seal secrets at rest; serve requires it (or --master-key-file)", func(c *Config) *string { return &c.MasterKey }),
	setting("master-key-file", "", "file holding the master key (base64); demo makes <data-dir>/master.key", func(c *Config) *string { return &c.MasterKeyFile }),
	setting("data-dir", DefaultDataDir, "directory of the demo's database and master key", func(c *Config) *string { return &c.DataDir }),
	setting("log-level", "info", "debug, info, warn or error", func(c *Config) *string { return &c.LogLevel }),
	setting("log-format", "text", "text or json", func(c *Config) *string { return &c.LogFormat }),
	{
		Name: "shutdown-timeout", Env: envName("shutdown-timeout"), Default: "15s",
		Help: "how long a graceful shutdown waits for requests in flight (Go duration)",
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("not a duration like 15s")
			}
			c.ShutdownTimeout = d
			return nil
		},
		get: func(c *Config) string { return c.ShutdownTimeout.String() },
	},
	setting("tls-cert", "", "PEM certificate (chain) file: serve HTTPS with --tls-key, and send HSTS", func(c *Config) *string { return &c.TLSCert }),
	setting("tls-key", "", "PEM private key file of --tls-cert", func(c *Config) *string { return &c.TLSKey }),
	setting("trusted-proxies", "", "comma-separated IPs or CIDRs of the load balancers in front of Jumpgate; their X-Forwarded-For gives the client address (for throttling, rate limits and events)", func(c *Config) *string { return &c.TrustedProxies }),
	setting("smtp-host", "", "SMTP server for notification mail (import results); none keeps mail in the outbox (GET /api/v1/outbox)", func(c *Config) *string { return &c.SMTPHost }),
	setting("smtp-port", "587", "port of the SMTP server", func(c *Config) *string { return &c.SMTPPort }),
	setting("smtp-username", "", "SMTP user name; none sends without authentication", func(c *Config) *string { return &c.SMTPUsername }),
	setting("smtp-password", "", "SMTP password", func(c *Config) *string { return &c.SMTPPassword }),
	setting("smtp-from", "jumpgate@localhost", "sender address of notification mail", func(c *Config) *string { return &c.SMTPFrom }),
	setting("smtp-tls", "starttls", "TLS mode of the SMTP connection: none, starttls or tls (implicit TLS)", func(c *Config) *string { return &c.SMTPTLS }),
}

func lookup(name string) (Setting, bool) {
	for _, s := range Settings {
		if s.Name == name {
			return s, true
		}
	}
	return Setting{}, false
}

// Default returns the configuration with every default applied.
func Default() Config {
	var c Config
	for _, s := range Settings {
		if err := s.set(&c, s.Default); err != nil {
			panic("config: bad default for " + s.Name) // a programming error caught by tests
		}
	}
	return c
}

// Source says where a value came from, for error messages.
func describe(s Setting, source string) string {
	switch source {
	case "flag":
		return s.Flag()
	case "env":
		return s.Env
	}
	return fmt.Sprintf("%s (in %s)", s.Name, source)
}

// Load builds the configuration: defaults, then the file named by
// flags["config"] or JUMPGATE_CONFIG, then JUMPGATE_* variables, then flags
// (a map from setting name to value, holding only flags given). It does not
// validate; call Validate.
func Load(flags map[string]string, getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	c := Default()
	file := flags["config"]
	if file == "" {
		file = getenv("JUMPGATE_CONFIG")
	}
	if file != "" {
		vals, err := ReadFile(file)
		if err != nil {
			return Config{}, err
		}
		for _, name := range sortedKeys(vals) {
			s, ok := lookup(name)
			if !ok {
				return Config{}, fmt.Errorf("config file %s: unknown setting %q", file, name)
			}
			if err := s.set(&c, vals[name]); err != nil {
				return Config{}, fmt.Errorf("config: %s: %v", describe(s, file), err)
			}
		}
	}
	for _, s := range Settings {
		if v := getenv(s.Env); v != "" {
			if err := s.set(&c, v); err != nil {
				return Config{}, fmt.Errorf("config: %s: %v", describe(s, "env"), err)
			}
		}
	}
	for _, name := range sortedKeys(flags) {
		if name == "config" {
			continue
		}
		s, ok := lookup(name)
		if !ok {
			return Config{}, fmt.Errorf("config: unknown setting %q", name)
		}
		if err := s.set(&c, flags[name]); err != nil {
			return Config{}, fmt.Errorf("config: %s: %v", describe(s, "flag"), err)
		}
	}
	return c, nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ReadFile reads a config file: either a JSON object of setting names to
// string values, or lines "name = value" with '#' comments and blank lines.
func ReadFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	vals, err := parseFile(data)
	if err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return vals, nil
}

func parseFile(data []byte) (map[string]string, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		vals := map[string]string{}
		dec := json.NewDecoder(bytes.NewReader(t))
		if err := dec.Decode(&vals); err != nil {
			return nil, fmt.Errorf("JSON: want an object of setting names to strings: %w", err)
		}
		return vals, nil
	}
	vals := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: want name = value", n)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		if _, dup := vals[k]; dup {
			return nil, fmt.Errorf("line %d: %s set twice", n, k)
		}
		vals[k] = v
	}
	return vals, sc.Err()
}

// PublicURL returns BaseURL, or http://<bound address> with an unspecified
// host replaced by localhost.
func (c Config) PublicURL(bound net.Addr) string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	addr := c.Addr
	if bound != nil {
		addr = bound.String()
	}
	scheme := "http://"
	if c.TLSCert != "" {
		scheme = "https://"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return scheme + addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return scheme + net.JoinHostPort(host, port)
}

// TrustedProxyPrefixes parses TrustedProxies: IP addresses (as /32 or /128)
// and CIDR prefixes, comma-separated.
func (c Config) TrustedProxyPrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(c.TrustedProxies, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR prefix", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

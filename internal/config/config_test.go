package config_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/config"
)

const goodKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsAreValid(t *testing.T) {
	c := config.Default()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.DB != "sqlite:./jumpgate-data/jumpgate.db" || c.Addr != "127.0.0.1:8080" || c.ShutdownTimeout != 15*time.Second {
		t.Fatalf("defaults = %+v", c)
	}
	if got := c.PublicURL(nil); got != "http://127.0.0.1:8080" {
		t.Fatalf("PublicURL = %q", got)
	}
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "jumpgate.conf")
	os.WriteFile(file, []byte("# comment\naddr = 127.0.0.1:9000\nlog-level = \"debug\"\nlog-format = json\n"), 0o600)
	c, err := config.Load(map[string]string{"config": file, "log-format": "text"},
		env(map[string]string{"JUMPGATE_LOG_LEVEL": "warn", "JUMPGATE_DB": "sqlite::memory:"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || c.LogLevel != "warn" || c.LogFormat != "text" || c.DB != "sqlite::memory:" {
		t.Fatalf("config = %+v (want file < env < flags)", c)
	}
	jsonFile := filepath.Join(dir, "c.json")
	os.WriteFile(jsonFile, []byte(`{"addr": "0.0.0.0:7000", "shutdown-timeout": "2s"}`), 0o600)
	c, err = config.Load(nil, env(map[string]string{"JUMPGATE_CONFIG": jsonFile}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:7000" || c.ShutdownTimeout != 2*time.Second {
		t.Fatalf("json config = %+v", c)
	}
	if got := c.PublicURL(&net.TCPAddr{IP: net.IPv4zero, Port: 7000}); got != "http://localhost:7000" {
		t.Fatalf("PublicURL = %q", got)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.conf")
	os.WriteFile(bad, []byte("nonsense line\n"), 0o600)
	unknown := filepath.Join(dir, "unknown.conf")
	os.WriteFile(unknown, []byte("colour = blue\n"), 0o600)
	cases := []struct {
		name  string
		flags map[string]string
		env   map[string]string
		want  string
	}{
		{"missing file", map[string]string{"config": filepath.Join(dir, "nope")}, nil, "config file"},
		{"bad line", map[string]string{"config": bad}, nil, "line 1"},
		{"unknown key", map[string]string{"config": unknown}, nil, `unknown setting "colour"`},
		{"bad duration env", nil, map[string]string{"JUMPGATE_SHUTDOWN_TIMEOUT": "soon"}, "JUMPGATE_SHUTDOWN_TIMEOUT"},
		{"bad duration flag", map[string]string{"shutdown-timeout": "x"}, nil, "--shutdown-timeout"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := config.Load(c.flags, env(c.env))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
		})
	}
}

func TestValidationTable(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "master.key")
	os.WriteFile(keyFile, []byte(goodKey+"\n"), 0o600)
	shortFile := filepath.Join(dir, "short.key")
	os.WriteFile(shortFile, []byte("c2hvcnQ=\n"), 0o600)
	cases := []struct {
		name string
		mod  func(*config.Config)
		want string // "" for valid; else a substring naming the setting
	}{
		{"postgres", func(c *config.Config) { c.DB = "postgres://u:p@db:5432/jg?sslmode=disable" }, ""},
		{"memory", func(c *config.Config) { c.DB = "sqlite::memory:" }, ""},
		{"mysql", func(c *config.Config) { c.DB = "mysql://x" }, "--db (JUMPGATE_DB)"},
		{"empty sqlite", func(c *config.Config) { c.DB = "sqlite:" }, "--db"},
		{"postgres without host", func(c *config.Config) { c.DB = "postgres://" }, "--db"},
		{"addr no port", func(c *config.Config) { c.Addr = "localhost" }, "--addr (JUMPGATE_ADDR)"},
		{"addr port 0", func(c *config.Config) { c.Addr = "127.0.0.1:0" }, ""},
		{"base url", func(c *config.Config) { c.BaseURL = "https://sso.example.com" }, ""},
		{"base url ftp", func(c *config.Config) { c.BaseURL = "ftp://x" }, "--base-url"},
		{"base url relative", func(c *config.Config) { c.BaseURL = "/x" }, "--base-url"},
		{"key", func(c *config.Config) { c.MasterKey = goodKey }, ""},
		{"key short", func(c *config.Config) { c.MasterKey = "c2hvcnQ=" }, "--master-key (JUMPGATE_MASTER_KEY)"},
		{"key both", func(c *config.Config) { c.MasterKey = goodKey; c.MasterKeyFile = keyFile }, "not both"},
		{"key file", func(c *config.Config) { c.MasterKeyFile = keyFile }, ""},
		{"key file missing", func(c *config.Config) { c.MasterKeyFile = filepath.Join(dir, "none") }, "--master-key-file"},
		{"key file short", func(c *config.Config) { c.MasterKeyFile = shortFile }, "--master-key-file"},
		{"log level", func(c *config.Config) { c.LogLevel = "loud" }, "--log-level"},
		{"log format", func(c *config.Config) { c.LogFormat = "xml" }, "--log-format"},
		{"shutdown", func(c *config.Config) { c.ShutdownTimeout = 0 }, "--shutdown-timeout"},
		{"data dir", func(c *config.Config) { c.DataDir = "" }, "--data-dir"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Default()
			tc.mod(&c)
			err := c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	c := config.Default()
	c.LogLevel, c.LogFormat = "x", "y"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--log-level") || !strings.Contains(err.Error(), "--log-format") {
		t.Fatalf("want every bad setting listed, got %v", err)
	}
}

func TestMasterKeyBytes(t *testing.T) {
	c := config.Default()
	if _, err := c.MasterKeyBytes(); err != config.ErrNoMasterKey {
		t.Fatalf("err = %v, want ErrNoMasterKey", err)
	}
	c.MasterKey = goodKey
	k, err := c.MasterKeyBytes()
	if err != nil || len(k) != 32 || k[31] != 31 {
		t.Fatalf("key = %v, %v", k, err)
	}
	file := filepath.Join(t.TempDir(), "k")
	os.WriteFile(file, []byte(goodKey), 0o600)
	c = config.Default()
	c.MasterKeyFile = file
	if k, err := c.MasterKeyBytes(); err != nil || len(k) != 32 {
		t.Fatalf("key file = %v, %v", k, err)
	}
}

func TestEveryEnvNameIsDerived(t *testing.T) {
	for _, s := range config.Settings {
		want := "JUMPGATE_" + strings.ToUpper(strings.ReplaceAll(s.Name, "-", "_"))
		if s.Env != want || s.Flag() != "--"+s.Name || s.Help == "" {
			t.Errorf("setting %+v", s)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	c := config.Default()
	c.TrustedProxies = " 10.0.0.0/8, 192.0.2.1 ,2001:db8::/32,::ffff:198.51.100.1"
	ps, err := c.TrustedProxyPrefixes()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.0.2.1/32", "2001:db8::/32", "198.51.100.1/32"}
	if len(ps) != len(want) {
		t.Fatalf("prefixes %v", ps)
	}
	for i, p := range ps {
		if p.String() != want[i] {
			t.Errorf("prefix %d = %s, want %s", i, p, want[i])
		}
	}
	c.TrustedProxies = "10.0.0.0/8,proxy.example"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--trusted-proxies") || !strings.Contains(err.Error(), "proxy.example") {
		t.Fatalf("validate: %v", err)
	}
}

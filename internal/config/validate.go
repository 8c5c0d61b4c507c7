package config

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/secrets"
)

// check is one row of the validation table: the setting it is about and a
// function returning a reason, or "" when the value is fine.
type check struct {
	setting string
	reason  func(c *Config) string
}

var checks = []check{
	{"db", func(c *Config) string {
		switch {
		case c.DB == "":
			return "is required"
		case strings.HasPrefix(c.DB, "sqlite:"):
			if strings.TrimPrefix(c.DB, "sqlite:") == "" {
				return "sqlite: needs a path, e.g. sqlite:./jumpgate-data/jumpgate.db"
			}
		case strings.HasPrefix(c.DB, "postgres://"), strings.HasPrefix(c.DB, "postgresql://"):
			if u, err := url.Parse(c.DB); err != nil || u.Host == "" {
				return "is not a valid postgres:// URL"
			}
		default:
			return "must be sqlite:PATH, sqlite::memory: or a postgres:// URL"
		}
		return ""
	}},
	{"addr", func(c *Config) string {
		if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
			return "must be host:port, e.g. 127.0.0.1:8080"
		}
		return ""
	}},
	{"base-url", func(c *Config) string {
		if c.BaseURL == "" {
			return ""
		}
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return "must be an absolute http(s) URL without query, e.g. https://sso.example.com"
		}
		return ""
	}},
	{"master-key", func(c *Config) string {
		if c.MasterKey != "" && c.MasterKeyFile != "" {
			return "set either --master-key or --master-key-file, not both"
		}
		if c.MasterKey != "" {
			if _, err := secrets.ParseKey(c.MasterKey); err != nil {
				return err.Error()
			}
		}
		return ""
	}},
	{"master-key-file", func(c *Config) string {
		if c.MasterKeyFile == "" {
			return ""
		}
		data, err := os.ReadFile(c.MasterKeyFile)
		if err != nil {
			return "cannot be read: " + err.Error()
		}
		if _, err := secrets.ParseKey(string(data)); err != nil {
			return err.Error()
		}
		return ""
	}},
	{"data-dir", func(c *Config) string {
		if c.DataDir == "" {
			return "is required"
		}
		return ""
	}},
	{"log-level", func(c *Config) string {
		switch c.LogLevel {
		case "debug", "info", "warn", "error":
			return ""
		}
		return "must be debug, info, warn or error"
	}},
	{"log-format", func(c *Config) string {
		if c.LogFormat == "text" || c.LogFormat == "json" {
			return ""
		}
		return "must be text or json"
	}},
	{"smtp-port", func(c *Config) string {
		if n, err := strconv.Atoi(c.SMTPPort); err != nil || n < 1 || n > 65535 {
			return "must be a port number (1-65535)"
		}
		return ""
	}},
	{"smtp-tls", func(c *Config) string {
		switch c.SMTPTLS {
		case "none", "starttls", "tls":
			return ""
		}
		return "must be none, starttls or tls"
	}},
	{"smtp-from", func(c *Config) string {
		if c.SMTPHost != "" && !strings.Contains(c.SMTPFrom, "@") {
			return "must be an e-mail address when --smtp-host is set"
		}
		return ""
	}},
	{"tls-cert", func(c *Config) string {
		if (c.TLSCert == "") != (c.TLSKey == "") {
			return "set both --tls-cert and --tls-key, or neither"
		}
		if c.TLSCert == "" {
			return ""
		}
		if _, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey); err != nil {
			return fmt.Sprintf("cannot load the certificate and key: %v", err)
		}
		return ""
	}},
	{"trusted-proxies", func(c *Config) string {
		if _, err := c.TrustedProxyPrefixes(); err != nil {
			return err.Error()
		}
		return ""
	}},
	{"shutdown-timeout", func(c *Config) string {
		if c.ShutdownTimeout <= 0 {
			return "must be positive"
		}
		return ""
	}},
}

// Validate runs the validation table and returns one error listing every
// setting that is wrong, each named by its flag and variable.
func (c *Config) Validate() error {
	var errs []error
	for _, ch := range checks {
		if r := ch.reason(c); r != "" {
			s, _ := lookup(ch.setting)
			errs = append(errs, fmt.Errorf("config: %s (%s): %s", s.Flag(), s.Env, r))
		}
	}
	return errors.Join(errs...)
}

// ErrNoMasterKey is returned by MasterKeyBytes when no key is configured.
var ErrNoMasterKey = errors.New("config: no master key: set --master-key, JUMPGATE_MASTER_KEY or --master-key-file " +
	"(32 random bytes, base64; make one with: head -c 32 /dev/urandom | base64)")

// MasterKeyBytes returns the decoded master key from MasterKey or
// MasterKeyFile, or ErrNoMasterKey.
func (c *Config) MasterKeyBytes() ([]byte, error) {
	v := c.MasterKey
	if v == "" && c.MasterKeyFile != "" {
		data, err := os.ReadFile(c.MasterKeyFile)
		if err != nil {
			return nil, fmt.Errorf("config: --master-key-file: %w", err)
		}
		v = string(data)
	}
	if v == "" {
		return nil, ErrNoMasterKey
	}
	k, err := secrets.ParseKey(v)
	if err != nil {
		return nil, fmt.Errorf("config: master key: %w", err)
	}
	return k, nil
}

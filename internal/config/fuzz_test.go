package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/config"
)

// FuzzReadFile feeds arbitrary config files to the reader, Load and
// Validate: none may panic.
func FuzzReadFile(f *testing.F) {
	f.Add([]byte("# jumpgate.conf\ndb = postgres://jumpgate:secret@db:5432/jumpgate?sslmode=require\naddr = 0.0.0.0:8080\nbase-url = https://sso.example.com\nlog-format = json\n"))
	f.Add([]byte(`{"db":"sqlite:/var/lib/jumpgate/jumpgate.db","log-level":"debug","shutdown-timeout":"5s"}`))
	f.Add([]byte("addr = \"127.0.0.1:0\"\naddr = x\n"))
	f.Add([]byte("smtp-port = 99999999999999999999\nsmtp-tls = maybe\n"))
	f.Add([]byte(`{"db":5}`))
	f.Add([]byte("novalue\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "jumpgate.conf")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := config.ReadFile(path); err != nil {
			return
		}
		cfg, err := config.Load(map[string]string{"config": path}, nil)
		if err != nil {
			return
		}
		if cfg.MasterKeyFile != "" || cfg.TLSCert != "" || cfg.TLSKey != "" {
			return // Validate would read files the input names (say /dev/zero)
		}
		_ = cfg.Validate()
	})
}

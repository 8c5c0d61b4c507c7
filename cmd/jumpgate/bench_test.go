package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/loadgen"
)

// TestBench runs `jumpgate bench` for two seconds against `serve` and
// checks the report and its exit status.
func TestBench(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "jumpgate.db")
	key := apiKeyRE.FindString(mustRun(t, nil, "admins", "create", "--db", dsn, "--email", "root@example.com", "--no-password"))
	base, _ := server(t, map[string]string{"JUMPGATE_MASTER_KEY": testMasterKey, "JUMPGATE_DB": dsn}, "serve", "--addr", "127.0.0.1:0", "--log-level", "warn")
	env := map[string]string{"JUMPGATE_URL": base, "JUMPGATE_API_KEY": key}
	out := mustRun(t, env, "bench", "--duration", "2s", "--rate", "5", "--concurrency", "4", "--users", "3", "--report-every", "1s")
	for _, want := range []string{"load: 5 ops/s open loop", "operation", "sso", "errors: none", "idle", "removing fixtures"} {
		if !strings.Contains(out, want) {
			t.Fatalf("bench output lacks %q:\n%s", want, out)
		}
	}
	out = mustRun(t, env, "bench", "--duration", "1s", "--rate", "4", "--users", "2", "--mix", "update=1", "--json")
	var rep loadgen.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.All.OK == 0 || len(rep.Errors) != 0 || len(rep.Server) < 3 {
		t.Fatalf("bench --json = %v\n%s", err, out)
	}
	if _, err := run(t, env, "bench", "--mix", "sso=0"); err == nil || !strings.Contains(err.Error(), "--mix") {
		t.Fatalf("bad mix err = %v", err)
	}
	if _, err := run(t, map[string]string{"JUMPGATE_URL": base}, "bench", "--duration", "1s"); err == nil || !strings.Contains(err.Error(), "--api-key") {
		t.Fatalf("missing key err = %v", err)
	}
}

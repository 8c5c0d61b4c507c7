package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestServeRefusesBadProvisionLeaseTTL(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "jumpgate.db")
	for _, tc := range []struct{ flag, env string }{{"5ms", ""}, {"", "2 minutes"}, {"2h", ""}} {
		env := map[string]string{"JUMPGATE_MASTER_KEY": testMasterKey, "JUMPGATE_DB": dsn, "JUMPGATE_PROVISION_LEASE_TTL": tc.env}
		args := []string{"serve", "--addr", "127.0.0.1:0"}
		if tc.flag != "" {
			args = append(args, "--provision-lease-ttl", tc.flag)
		}
		if _, err := run(t, env, args...); err == nil || !strings.Contains(err.Error(), "--provision-lease-ttl") {
			t.Errorf("lease TTL %q/%q: err = %v, want a refusal naming the flag", tc.flag, tc.env, err)
		}
	}
}

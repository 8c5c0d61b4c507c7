package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/apiclient"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

// TestBackupCommand backs up the database of a running server, then serves
// the copy (the restore) and finds the data there.
func TestBackupCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "jumpgate.db")
	key := apiKeyRE.FindString(mustRun(t, nil, "admins", "create", "--db", dsn, "--email", "root@example.com", "--no-password"))
	url, _ := server(t, map[string]string{"JUMPGATE_MASTER_KEY": testMasterKey, "JUMPGATE_DB": dsn}, "serve", "--addr", "127.0.0.1:0")
	c := &apiclient.Client{BaseURL: url, APIKey: key}
	if _, err := c.CreateUser(ctx, api.UserInput{Username: "ada", Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "backup.db")
	got := mustRun(t, map[string]string{"JUMPGATE_DB": dsn}, "backup", "--out", out)
	if !strings.Contains(got, "Backed up") || !strings.Contains(got, "master key") {
		t.Fatalf("backup printed:\n%s", got)
	}
	if _, err := run(t, nil, "backup", "--db", dsn, "--out", out); directory.ErrorCode(err) != directory.ECONFLICT {
		t.Fatalf("backup over an existing file = %v, want a conflict", err)
	}
	if _, err := run(t, nil, "backup", "--db", "postgres://u:p@127.0.0.1:1/x", "--out", filepath.Join(dir, "pg.db")); err == nil ||
		!strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("backup of PostgreSQL = %v, want a pointer to pg_dump", err)
	}
	missing := filepath.Join(dir, "missing.db")
	if _, err := run(t, nil, "backup", "--db", "sqlite:"+missing, "--out", filepath.Join(dir, "m.db")); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Fatalf("backup of a missing database = %v, want not found", err)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatalf("backup created the missing database: %v", err)
	}
	if _, err := run(t, nil, "backup", "--db", "sqlite::memory:", "--out", filepath.Join(dir, "mem.db")); directory.ErrorCode(err) != directory.EINVALID {
		t.Fatalf("backup of sqlite::memory: = %v, want invalid", err)
	}

	// Restore: a server on the copy, with the same master key and API key.
	restored, _ := server(t, map[string]string{"JUMPGATE_MASTER_KEY": testMasterKey, "JUMPGATE_DB": "sqlite:" + out}, "serve", "--addr", "127.0.0.1:0")
	rc := &apiclient.Client{BaseURL: restored, APIKey: key}
	page, err := rc.ListUsers(ctx, apiclient.ListOptions{})
	if err != nil || page.Total != 1 || page.Items[0].Username != "ada" {
		t.Fatalf("users of the restored server = %+v, %v", page, err)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/apiclient"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

const testMasterKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// run runs one command to completion and returns its stdout.
func run(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errOut syncBuffer
	m := &Main{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }}
	err := m.Run(context.Background(), args)
	return out.String(), err
}

func mustRun(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	out, err := run(t, env, args...)
	if err != nil {
		t.Fatalf("jumpgate %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// server runs `serve` in the background and returns its URL; it stops at
// the end of the test, checking a clean shutdown.
func server(t *testing.T, env map[string]string, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	logs := &syncBuffer{}
	m := &Main{Stdout: &syncBuffer{}, Stderr: logs, Getenv: func(k string) string { return env[k] }, Ready: func(u string) { urls <- u }}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, args) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server stopped with %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("server did not shut down")
		}
	})
	select {
	case u := <-urls:
		return u, logs
	case err := <-done:
		t.Fatalf("server ended early: %v\n%s", err, logs)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	return "", nil
}

var apiKeyRE = regexp.MustCompile(`jg_[0-9a-f]{12}_[0-9a-f]{64}`)

func TestServeEndToEnd(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "jumpgate.db")
	// Bootstrap the first admin directly against the database.
	out := mustRun(t, nil, "admins", "create", "--db", dsn, "--email", "root@example.com", "--name", "Root")
	key := apiKeyRE.FindString(out)
	if key == "" || !strings.Contains(out, "Password: ") {
		t.Fatalf("admins create printed no API key or password:\n%s", out)
	}
	roOut := mustRun(t, nil, "admins", "create", "--db", dsn, "--email", "viewer@example.com", "--role", "read_only", "--no-password")
	roKey := apiKeyRE.FindString(roOut)
	if _, err := run(t, nil, "admins", "create", "--db", dsn, "--email", "ROOT@example.com"); directory.ErrorCode(err) != directory.ECONFLICT {
		t.Fatalf("duplicate admin err = %v", err)
	}

	url, logs := server(t, map[string]string{"JUMPGATE_MASTER_KEY": testMasterKey, "JUMPGATE_DB": dsn},
		"serve", "--addr", "127.0.0.1:0", "--log-level", "debug")

	// Through the typed client.
	c := &apiclient.Client{BaseURL: url, APIKey: key}
	ada, err := c.CreateUser(ctx, api.UserInput{Username: "ada", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace"})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := c.CreateGroup(ctx, api.GroupInput{Name: "Engineering"})
	if err != nil {
		t.Fatal(err)
	}
	if added, err := c.AddMembers(ctx, eng.ID, []string{ada.ID}); err != nil || len(added) != 1 {
		t.Fatalf("add members = %v %v", added, err)
	}
	if _, err := c.CreateUser(ctx, api.UserInput{Username: "ADA", Email: "other@example.com"}); directory.ErrorCode(err) != directory.ECONFLICT ||
		directory.ErrorFields(err)[0].Field != "username" {
		t.Fatalf("duplicate user err = %v", err)
	}
	ro := &apiclient.Client{BaseURL: url, APIKey: roKey}
	if _, err := ro.CreateGroup(ctx, api.GroupInput{Name: "Nope"}); directory.ErrorCode(err) != directory.EFORBIDDEN {
		t.Fatalf("read-only create err = %v", err)
	}
	if p, err := ro.ListUsers(ctx, apiclient.ListOptions{}); err != nil || p.Total != 1 {
		t.Fatalf("read-only list = %+v %v", p, err)
	}

	// Through the CLI, with flags for one call and the environment for the rest.
	flags := []string{"--url", url, "--api-key", key}
	env := map[string]string{"JUMPGATE_URL": url, "JUMPGATE_API_KEY": key}
	out = mustRun(t, nil, append([]string{"users", "add", "--username", "grace", "--email", "grace@example.com", "--firstname", "Grace", "--json"}, flags...)...)
	var grace directory.User
	if err := json.Unmarshal([]byte(out), &grace); err != nil || grace.ID == "" || grace.FirstName != "Grace" {
		t.Fatalf("users add --json = %s (%v)", out, err)
	}
	mustRun(t, env, "groups", "add", "--name", "Research", "--description", "finds things")
	out = mustRun(t, env, "groups", "members", "add", "Research", "grace", "ada@example.com")
	if !strings.Contains(out, "Added 2 of 2") {
		t.Fatalf("members add = %s", out)
	}
	out = mustRun(t, env, "groups", "members", "list", "Research")
	if !strings.Contains(out, "USERNAME") || !strings.Contains(out, "grace") || !strings.Contains(out, "ada") {
		t.Fatalf("members list table =\n%s", out)
	}
	mustRun(t, env, "groups", "members", "remove", "Research", "ada")
	mustRun(t, env, "users", "update", "grace", "--lastname", "Hopper", "--display-name", "Amazing Grace")
	mustRun(t, env, "users", "suspend", "grace")
	out = mustRun(t, env, "users", "get", "grace", "--json")
	var got directory.User
	json.Unmarshal([]byte(out), &got)
	if got.LastName != "Hopper" || got.DisplayName != "Amazing Grace" || got.State != directory.UserSuspended {
		t.Fatalf("grace = %+v", got)
	}
	mustRun(t, env, "users", "activate", got.ID)
	out = mustRun(t, env, "users", "list", "--sort", "username", "--json")
	var users api.Page[directory.User]
	json.Unmarshal([]byte(out), &users)
	if users.Total != 2 || users.Items[0].Username != "ada" || users.Items[1].State != directory.UserActivated {
		t.Fatalf("users list = %s", out)
	}
	out = mustRun(t, env, "users", "groups", "grace")
	if !strings.Contains(out, "Research") {
		t.Fatalf("users groups = %s", out)
	}
	out = mustRun(t, env, "groups", "list")
	if !strings.Contains(out, "Engineering") || !strings.Contains(out, "Research") {
		t.Fatalf("groups list = %s", out)
	}
	mustRun(t, env, "groups", "update", "Research", "--name", "R&D")
	if g, err := c.GetGroup(ctx, eng.ID); err != nil || g.MemberCount != 1 {
		t.Fatalf("engineering = %+v %v", g, err)
	}
	out = mustRun(t, env, "groups", "get", "R&D", "--json")
	var rd directory.Group
	json.Unmarshal([]byte(out), &rd)
	if rd.Name != "R&D" || rd.MemberCount != 1 {
		t.Fatalf("R&D = %s", out)
	}
	mustRun(t, env, "groups", "delete", "R&D")
	mustRun(t, env, "users", "delete", "ada")
	if _, err := c.GetUser(ctx, ada.ID); !apiclient.IsNotFound(err) {
		t.Fatalf("deleted user err = %v", err)
	}

	// CLI errors are clear and change nothing.
	_, err = run(t, env, "users", "add", "--username", "grace", "--email", "g2@example.com")
	if err == nil || !strings.Contains(err.Error(), "username") || directory.ErrorCode(err) != directory.ECONFLICT {
		t.Fatalf("duplicate via CLI err = %v", err)
	}
	if _, err := run(t, nil, "users", "list"); err == nil || !strings.Contains(err.Error(), "--url") {
		t.Fatalf("missing url err = %v", err)
	}
	if _, err := run(t, map[string]string{"JUMPGATE_URL": url, "JUMPGATE_API_KEY": "jg_bad"}, "users", "list"); directory.ErrorCode(err) != directory.EUNAUTHORIZED {
		t.Fatalf("bad key err = %v", err)
	}
	changes, err := c.ListChanges(ctx, 0, 100)
	if err != nil || len(changes.Items) < 10 {
		t.Fatalf("changes = %+v %v", changes, err)
	}
	if !strings.Contains(logs.String(), "request_id=") || !strings.Contains(logs.String(), `route="POST /api/v1/users"`) {
		t.Fatalf("server logs lack request ids or routes:\n%s", logs)
	}
}

func TestServeRefusesWithoutMasterKey(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "jumpgate.db")
	_, err := run(t, nil, "serve", "--addr", "127.0.0.1:0", "--db", dsn)
	if err == nil || !strings.Contains(err.Error(), "master key") || !strings.Contains(err.Error(), "JUMPGATE_MASTER_KEY") {
		t.Fatalf("err = %v", err)
	}
	_, err = run(t, nil, "serve", "--addr", "nowhere", "--db", dsn, "--master-key", testMasterKey)
	if err == nil || !strings.Contains(err.Error(), "--addr") {
		t.Fatalf("bad addr err = %v", err)
	}
	_, err = run(t, nil, "serve", "--master-key", "c2hvcnQ=", "--db", dsn)
	if err == nil || !strings.Contains(err.Error(), "--master-key (JUMPGATE_MASTER_KEY)") {
		t.Fatalf("short key err = %v", err)
	}
}

func TestDemoSetup(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	d, err := DemoSetup(ctx, DemoOptions{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !d.FirstRun || len(d.AdminPassword) < 12 || !apiKeyRE.MatchString(d.APIKey) || d.Admin.Email != DemoAdminEmail {
		t.Fatalf("first run = %+v", d)
	}
	firstKey, firstPassword := d.MasterKey, d.AdminPassword
	if _, err := d.Service.VerifyAdminPassword(ctx, DemoAdminEmail, firstPassword); err != nil {
		t.Fatalf("printed password does not log in: %v", err)
	}
	d.Store.Close()
	assertMode(t, filepath.Join(dir, "master.key"), 0o600)

	d, err = DemoSetup(ctx, DemoOptions{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if d.FirstRun || d.AdminPassword != "" || !bytes.Equal(d.MasterKey, firstKey) {
		t.Fatalf("second run = %+v", d)
	}
	// The password of the first run still works; the earlier demo key is revoked.
	if _, err := d.Service.VerifyAdminPassword(ctx, DemoAdminEmail, firstPassword); err != nil {
		t.Fatal(err)
	}
	var keys []directory.APIKey
	d.Store.View(ctx, func(tx directory.Tx) error {
		keys, err = tx.ListAPIKeys(ctx, d.Admin.ID)
		return err
	})
	active := 0
	for _, k := range keys {
		if k.RevokedAt == nil {
			active++
		}
	}
	if len(keys) != 2 || active != 1 {
		t.Fatalf("keys = %d, active = %d", len(keys), active)
	}
	d.Store.Close()

	d, err = DemoSetup(ctx, DemoOptions{DataDir: dir, Reset: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Store.Close()
	if !d.FirstRun || d.AdminPassword == "" || bytes.Equal(d.MasterKey, firstKey) {
		t.Fatalf("reset run = %+v", d)
	}
}

func TestDemoCommandServes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	urls := make(chan string, 1)
	m := &Main{Stdout: out, Stderr: &syncBuffer{}, Ready: func(u string) { urls <- u }}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"demo", "--addr", "127.0.0.1:0", "--data-dir", dir}) }()
	var url string
	select {
	case url = <-urls:
	case err := <-done:
		t.Fatalf("demo ended: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not start")
	}
	text := out.String()
	key := apiKeyRE.FindString(text)
	if !strings.Contains(text, url) || key == "" || !strings.Contains(text, "admin@example.com") || !strings.Contains(text, "Admin password: ") ||
		!strings.Contains(text, "data in "+dir+")") {
		t.Fatalf("demo output:\n%s", text)
	}
	if _, err := (&apiclient.Client{BaseURL: url, APIKey: key}).ListUsers(ctx, apiclient.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("demo stopped with %v", err)
	}
}

func TestVersion(t *testing.T) {
	if out := mustRun(t, nil, "version"); !strings.HasPrefix(out, "jumpgate ") {
		t.Fatalf("version = %q", out)
	}
	if _, err := run(t, nil, "frobnicate"); err == nil {
		t.Fatal("unknown command accepted")
	}
	if out := mustRun(t, nil, "--help"); !strings.Contains(out, "users list") {
		t.Fatalf("help = %q", out)
	}
}

package main

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/apiclient"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

func TestEventsCommand(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "jumpgate.db")
	key := apiKeyRE.FindString(mustRun(t, nil, "admins", "create", "--db", dsn, "--email", "root@example.com", "--no-password"))
	url, _ := server(t, map[string]string{"JUMPGATE_MASTER_KEY": testMasterKey, "JUMPGATE_DB": dsn},
		"serve", "--addr", "127.0.0.1:0", "--events-retention", "720h")
	c := &apiclient.Client{BaseURL: url, APIKey: key}
	if _, err := c.CreateUser(ctx, api.UserInput{Username: "ada", Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"JUMPGATE_URL": url, "JUMPGATE_API_KEY": key}
	out := mustRun(t, env, "events", "--type", "user_create", "--since", "1h")
	if !strings.Contains(out, "user_create") || !strings.Contains(out, "root@example.com") || !strings.Contains(out, "ada") {
		t.Fatalf("events table:\n%s", out)
	}
	out = mustRun(t, env, "events", "--service", "directory", "--json")
	var page api.EventPage
	if err := json.Unmarshal([]byte(out), &page); err != nil || len(page.Events) != 1 {
		t.Fatalf("events --json: %v\n%s", err, out)
	}
	// An SSO refusal (unknown application) is recorded with its reason.
	resp, err := http.Get(url + "/saml2/no-such-app")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	out = mustRun(t, env, "events", "--service", "sso", "--json")
	page = api.EventPage{}
	if err := json.Unmarshal([]byte(out), &page); err != nil || len(page.Events) != 1 {
		t.Fatalf("sso events: %v\n%s", err, out)
	}
	if ev := page.Events[0]; ev.EventType != insights.SSOAuth || ev.Success || ev.ErrorMessage != "unknown application" ||
		ev.ClientIP != "127.0.0.1" || ev.Application == nil || ev.Application.Name != "no-such-app" {
		t.Fatalf("sso event %+v", ev)
	}
	// A refused API key is recorded too.
	if _, err := run(t, map[string]string{"JUMPGATE_URL": url, "JUMPGATE_API_KEY": "jg_000000000000_" + strings.Repeat("0", 64)}, "events"); err == nil {
		t.Fatal("bad key accepted")
	}
	if n, err := c.CountEvents(ctx, api.EventQuery{EventType: []string{"admin_api_key_auth_failure"}}); err != nil || n != 1 {
		t.Fatalf("key failures = %d, %v", n, err)
	}
	if _, err := run(t, env, "events", "--type", "bogus"); err == nil || !strings.Contains(err.Error(), "user_create") {
		t.Fatalf("bad type err = %v", err)
	}
	// --follow prints events recorded after it starts, until interrupted.
	fctx, cancel := context.WithCancel(ctx)
	var buf syncBuffer
	m := &Main{Stdout: &buf, Stderr: &syncBuffer{}, Getenv: func(k string) string { return env[k] }}
	done := make(chan error, 1)
	go func() {
		done <- m.Run(fctx, []string{"events", "--follow", "--json", "--interval", "50ms", "--since", "1h", "--type", "user_create"})
	}()
	if _, err := c.CreateUser(ctx, api.UserInput{Username: "bob", Email: "bob@example.com"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(buf.String(), "bob") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // a few more polls: nothing printed twice
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("follow printed %d lines:\n%s", len(lines), buf.String())
	}
	var e insights.Event
	if err := json.Unmarshal([]byte(lines[1]), &e); err != nil || e.Resource.Name != "bob" {
		t.Fatalf("second line %s: %v", lines[1], err)
	}
}

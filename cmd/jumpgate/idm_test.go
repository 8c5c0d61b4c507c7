package main

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/apiclient"
	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/connector/quip"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim/quipsimtest"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

func runStdin(t *testing.T, env map[string]string, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut syncBuffer
	m := &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }}
	err := m.Run(context.Background(), args)
	return out.String(), err
}

func TestIdMEndToEnd(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	acme := quipsimtest.Start(t, nil)
	sim, co, tok := acme.Sim, acme.Company, acme.Token
	qs := httptest.NewServer(sim)
	t.Cleanup(qs.Close)

	dsn := "sqlite:" + filepath.Join(dir, "jumpgate.db")
	key := apiKeyRE.FindString(mustRun(t, nil, "admins", "create", "--db", dsn, "--email", "root@example.com", "--no-password"))
	url, _ := server(t, map[string]string{"JUMPGATE_MASTER_KEY": testMasterKey, "JUMPGATE_DB": dsn}, "serve", "--addr", "127.0.0.1:0")
	env := map[string]string{"JUMPGATE_URL": url, "JUMPGATE_API_KEY": key}
	c := &apiclient.Client{BaseURL: url, APIKey: key}

	mustRun(t, env, "apps", "add", "--template", "quip", "--label", "Quip")
	out := mustRun(t, env, "apps", "idm", "get", "Quip")
	if !strings.Contains(out, "quip") || !strings.Contains(out, "false") {
		t.Fatalf("idm get =\n%s", out)
	}
	if _, err := run(t, env, "apps", "idm", "configure", "Quip"); err == nil {
		t.Fatal("configure without changes accepted")
	}
	if _, err := runStdin(t, env, "bad-token-7777\n", "apps", "idm", "configure", "Quip", "--base-url", qs.URL+"/business/admin/scim", "--token-stdin"); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, env, "apps", "idm", "activate", "Quip"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("activate with a bad token: %v", err)
	}
	out, err := runStdin(t, env, tok+"\n", "apps", "idm", "reauth", "Quip")
	if err != nil || strings.Contains(out, tok) || !strings.Contains(out, tok[len(tok)-4:]) {
		t.Fatalf("reauth = %s %v", out, err)
	}
	mustRun(t, env, "apps", "idm", "activate", "Quip")
	if _, err := runStdin(t, env, "x-token\n", "apps", "idm", "reauth", "Quip"); directory.ErrorCode(err) != directory.ECONFLICT {
		t.Fatalf("reauth while active: %v", err)
	}

	ada, err := c.CreateUser(ctx, api.UserInput{Username: "ada", Email: "ada@acme.test", FirstName: "Ada", LastName: "L", State: directory.UserActivated})
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.CreateGroup(ctx, api.GroupInput{Name: "Engineering"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddMembers(ctx, g.ID, []string{ada.ID}); err != nil {
		t.Fatal(err)
	}
	mustRun(t, env, "apps", "bind", "Quip", "Engineering")
	out = mustRun(t, env, "apps", "idm", "sync", "Quip", "--user", ada.ID)
	if !strings.Contains(out, "synced user") {
		t.Fatalf("sync = %s", out)
	}
	// The running engine syncs the group by itself.
	qc, err := quip.New(connector.Config{Kind: quip.Kind, BaseURL: qs.URL + "/business/admin/scim", Token: tok, GroupsEnabled: true})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		grp, err := connector.FindGroupByName(ctx, qc, "Engineering")
		if err == nil && grp != nil && len(grp.MemberIDs) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("group never synced: %+v %v", grp, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The provisioning attempts are Directory Insights events.
	page, err := c.QueryEvents(ctx, api.EventQuery{EventType: []string{"user_create_provision"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 1 || !page.Events[0].Success || page.Events[0].Application == nil ||
		page.Events[0].Resource == nil || len(page.Events[0].Changes) == 0 {
		t.Fatalf("user_create_provision events = %+v", page.Events)
	}
	out = mustRun(t, env, "apps", "idm", "plan", "Quip")
	if !strings.Contains(out, "nothing to change") {
		t.Fatalf("plan =\n%s", out)
	}
	out = mustRun(t, env, "apps", "idm", "status", "Quip")
	if !strings.Contains(out, "healthy") {
		t.Fatalf("status =\n%s", out)
	}
	if _, err := run(t, env, "apps", "idm", "sync", "Quip"); err == nil {
		t.Fatal("sync without --user or --group accepted")
	}
	// End the user's sessions in Quip: the session dies, the user stays active.
	ru, err := qc.FindUserByEmail(ctx, "ada@acme.test")
	if err != nil || ru == nil {
		t.Fatalf("find ada: %+v %v", ru, err)
	}
	sess, err := sim.StartSession(ctx, co.ID, ru.ID)
	if err != nil {
		t.Fatal(err)
	}
	out = mustRun(t, env, "apps", "idm", "end-sessions", "Quip", ada.ID)
	if !strings.Contains(out, "ended sessions") {
		t.Fatalf("end-sessions = %s", out)
	}
	if _, err := sim.SessionUser(ctx, sess); err == nil {
		t.Fatal("Quip session survived end-sessions")
	}
	if got, err := qc.GetUser(ctx, ru.ID); err != nil || !got.Active {
		t.Fatalf("after end-sessions: %+v %v", got, err)
	}
	page, err = c.QueryEvents(ctx, api.EventQuery{EventType: []string{"user_update_provision"}})
	if err != nil || len(page.Events) == 0 {
		t.Fatalf("user_update_provision events = %+v %v", page, err)
	}
	if _, err := run(t, env, "apps", "idm", "end-sessions", "Quip", "nope"); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Fatalf("end-sessions of an unknown user: %v", err)
	}
	mustRun(t, env, "apps", "idm", "deactivate", "Quip")
	out = mustRun(t, env, "apps", "idm", "status", "Quip", "--json")
	if !strings.Contains(out, `"inactive"`) {
		t.Fatalf("status =\n%s", out)
	}
}

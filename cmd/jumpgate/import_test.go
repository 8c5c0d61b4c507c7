package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/apiclient"
	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/connector/quip"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim/quipsimtest"
)

func TestImportEndToEnd(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	acme := quipsimtest.Start(t, nil)
	sim, tok := acme.Sim, acme.Token
	qs := httptest.NewServer(sim)
	t.Cleanup(qs.Close)
	qc, err := quip.New(connector.Config{Kind: quip.Kind, BaseURL: qs.URL + "/business/admin/scim", Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 105 {
		u, err := qc.CreateUser(ctx, connector.User{UserName: fmt.Sprintf("q%d", i), Email: fmt.Sprintf("q%03d@acme.test", i), Active: true})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}

	dsn := "sqlite:" + filepath.Join(dir, "jumpgate.db")
	key := apiKeyRE.FindString(mustRun(t, nil, "admins", "create", "--db", dsn, "--email", "root@example.com", "--no-password"))
	url, _ := server(t, map[string]string{"JUMPGATE_MASTER_KEY": testMasterKey, "JUMPGATE_DB": dsn}, "serve", "--addr", "127.0.0.1:0")
	env := map[string]string{"JUMPGATE_URL": url, "JUMPGATE_API_KEY": key}

	mustRun(t, env, "apps", "add", "--template", "quip", "--label", "Quip")
	if _, err := run(t, env, "apps", "import", "list", "Quip"); err == nil || !strings.Contains(err.Error(), "not active") {
		t.Fatalf("inactive: %v", err)
	}
	if _, err := runStdin(t, env, tok+"\n", "apps", "idm", "configure", "Quip", "--base-url", qs.URL+"/business/admin/scim", "--token-stdin"); err != nil {
		t.Fatal(err)
	}
	mustRun(t, env, "apps", "idm", "activate", "Quip")

	out := mustRun(t, env, "apps", "import", "list", "Quip", "--new-only")
	if !strings.Contains(out, "105 users, 105 new") || !strings.Contains(out, ids[0]) {
		t.Fatalf("list =\n%s", out)
	}
	out = mustRun(t, env, "apps", "import", "run", "Quip", ids[0], ids[1])
	if !strings.Contains(out, "created 2, skipped 0, failed 0") || !strings.Contains(out, "/activate?token=") ||
		!strings.Contains(out, "user group bound to an application") {
		t.Fatalf("run =\n%s", out)
	}
	if _, err := run(t, env, "apps", "import", "run", "Quip"); err == nil {
		t.Fatal("run without ids accepted")
	}
	out = mustRun(t, env, "apps", "import", "run", "Quip", "--all", "--wait")
	if !strings.Contains(out, "complete") || !strings.Contains(out, "105/105") || !regexp.MustCompile(`Created\s+103`).MatchString(out) {
		t.Fatalf("job =\n%s", out)
	}
	job := regexp.MustCompile(`Job\s+(\S+)`).FindStringSubmatch(out)[1]
	out = mustRun(t, env, "imports", "get", job)
	if !regexp.MustCompile(`Skipped\s+2`).MatchString(out) {
		t.Fatalf("imports get =\n%s", out)
	}
	msgs, err := (&apiclient.Client{BaseURL: url, APIKey: key}).Outbox(ctx)
	if err != nil || len(msgs) != 1 || msgs[0].To != "root@example.com" || !strings.Contains(msgs[0].Body, "Created: 103") {
		t.Fatalf("outbox: %+v %v", msgs, err)
	}
	out = mustRun(t, env, "apps", "import", "list", "Quip", "--new-only")
	if !strings.Contains(out, "0 users, 0 new") {
		t.Fatalf("after =\n%s", out)
	}
}

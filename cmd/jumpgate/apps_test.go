package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/apiclient"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

func TestAppsEndToEnd(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "jumpgate.db")
	key := apiKeyRE.FindString(mustRun(t, nil, "admins", "create", "--db", dsn, "--email", "root@example.com", "--no-password"))
	url, _ := server(t, map[string]string{"JUMPGATE_MASTER_KEY": testMasterKey, "JUMPGATE_DB": dsn}, "serve", "--addr", "127.0.0.1:0")
	env := map[string]string{"JUMPGATE_URL": url, "JUMPGATE_API_KEY": key}
	c := &apiclient.Client{BaseURL: url, APIKey: key}

	out := mustRun(t, env, "catalog", "list", "qui")
	if !strings.Contains(out, "quip") || !strings.Contains(out, "saml,scim:quip") || strings.Contains(out, "bookmark") {
		t.Fatalf("catalog list qui =\n%s", out)
	}
	out = mustRun(t, env, "apps", "add", "--template", "quip", "--label", "Quip", "--description", "docs", "--json")
	var quip directory.App
	if err := json.Unmarshal([]byte(out), &quip); err != nil || quip.IdPURL != url+"/saml2/quip" {
		t.Fatalf("apps add = %s (%v)", out, err)
	}
	mustRun(t, env, "apps", "add", "--template", "bookmark", "--label", "Intranet", "--bookmark-url", "https://intranet.example.com/", "--hide")
	if _, err := run(t, env, "apps", "add", "--template", "bookmark", "--label", "Bad", "--bookmark-url", "javascript:alert(1)"); directory.ErrorCode(err) != directory.EINVALID ||
		!strings.Contains(err.Error(), "bookmarkUrl") {
		t.Fatalf("bad bookmark err = %v", err)
	}
	out = mustRun(t, env, "apps", "list")
	if !strings.Contains(out, "Intranet") || !strings.Contains(out, "hidden") || !strings.Contains(out, url+"/saml2/quip") {
		t.Fatalf("apps list =\n%s", out)
	}

	// Bind groups by name; the binding authorizes the members.
	ada, err := c.CreateUser(ctx, api.UserInput{Username: "ada", Email: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	eng, _ := c.CreateGroup(ctx, api.GroupInput{Name: "Engineering"})
	c.CreateGroup(ctx, api.GroupInput{Name: "Sales"})
	c.AddMembers(ctx, eng.ID, []string{ada.ID})
	out = mustRun(t, env, "apps", "bind", "Quip", "Engineering", "sales")
	if !strings.Contains(out, "Bound 2 group(s) to Quip") {
		t.Fatalf("apps bind = %s", out)
	}
	if _, err := run(t, env, "apps", "bind", "Quip", "Nope"); err == nil || !strings.Contains(err.Error(), "Nope") {
		t.Fatalf("bind unknown group err = %v", err)
	}
	mustRun(t, env, "apps", "unbind", "quip", "Sales")
	out = mustRun(t, env, "apps", "groups", "Quip")
	if !strings.Contains(out, "Engineering") || strings.Contains(out, "Sales") {
		t.Fatalf("apps groups =\n%s", out)
	}
	if ga, err := c.GroupApps(ctx, eng.ID); err != nil || len(ga.AppIDs) != 1 || ga.AppIDs[0] != quip.ID {
		t.Fatalf("group apps = %+v %v", ga, err)
	}

	// Metadata: the IdP URL for both bindings and the signing certificate.
	file := filepath.Join(dir, "idp.xml")
	out = mustRun(t, env, "apps", "metadata", "Quip", "--out", file)
	if !strings.Contains(out, "Wrote "+file) {
		t.Fatalf("apps metadata = %s", out)
	}
	xml, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := c.AppKeys(ctx, quip.ID)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys = %+v %v", keys, err)
	}
	cert, _ := samlidp.ParseCertificatePEM([]byte(keys[0].CertificatePEM))
	for _, want := range []string{
		`Binding="` + samlidp.BindingHTTPRedirect + `" Location="` + quip.IdPURL + `"`,
		`Binding="` + samlidp.BindingHTTPPost + `" Location="` + quip.IdPURL + `"`,
		base64.StdEncoding.EncodeToString(cert.Raw),
	} {
		if !bytes.Contains(xml, []byte(want)) {
			t.Fatalf("metadata lacks %s:\n%s", want, xml)
		}
	}
	if _, name, err := c.AppMetadata(ctx, quip.ID); err != nil || name != "Jumpgate-Quip-metadata.xml" {
		t.Fatalf("metadata file name = %q %v", name, err)
	}
	out = mustRun(t, env, "apps", "metadata", "Quip", "--out", "-")
	if !strings.HasPrefix(out, "<?xml") {
		t.Fatalf("metadata to stdout = %.80s", out)
	}

	// The IdP URL cannot change; the label can.
	if _, err := run(t, env, "apps", "update", "Quip", "--label", "Quip Docs", "--no-show-in-portal"); err != nil {
		t.Fatal(err)
	}
	if a, _ := c.GetApp(ctx, quip.ID); a.Label != "Quip Docs" || a.ShowInPortal || a.IdPURL != quip.IdPURL {
		t.Fatalf("updated = %+v", a)
	}
	out = mustRun(t, env, "apps", "get", "quip")
	if !strings.Contains(out, "attribute email") || !strings.Contains(out, "JIT") {
		t.Fatalf("apps get =\n%s", out)
	}

	// Delete needs the right count and is all or nothing.
	if _, err := run(t, env, "apps", "delete", "quip", "Intranet", "--confirm", "1"); err == nil || !strings.Contains(err.Error(), "confirm") {
		t.Fatalf("wrong confirm err = %v", err)
	}
	if p, _ := c.ListApps(ctx, apiclient.ListOptions{}); p.Total != 2 {
		t.Fatalf("%d apps after a refused delete", p.Total)
	}
	out = mustRun(t, env, "apps", "delete", "quip", "Intranet", "--confirm", "2")
	if !strings.Contains(out, "Deleted 2") {
		t.Fatalf("apps delete = %s", out)
	}
	if p, _ := c.ListApps(ctx, apiclient.ListOptions{}); p.Total != 0 {
		t.Fatalf("%d apps after delete", p.Total)
	}
}

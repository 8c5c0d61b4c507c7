package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
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

func TestCertificateExpiryCheck(t *testing.T) {
	ctx := context.Background()
	st, err := openStore(ctx, "sqlite:"+filepath.Join(t.TempDir(), "jumpgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	var logs syncBuffer
	m := &Main{Now: func() time.Time { return now }, Stderr: &logs}
	key, _ := secrets.ParseKey(testMasterKey)
	a, err := m.newApp(st, key, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	a.service.BaseURL = "https://sso.example.com"
	a.service.Sealer = a.sealer
	actor := directory.Actor{Type: directory.ActorAdmin, ID: "a1", Email: "root@example.com"}
	app, err := a.service.CreateApp(ctx, actor, lifecycle.NewApp{TemplateID: "quip", Label: "Quip"})
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		n, err := a.insights.Count(ctx, insights.Query{EventTypes: []insights.EventType{insights.ApplicationCertificateExpiring}})
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	// A new certificate is far from its expiry: no warning.
	if err := a.checkCertificates(ctx); err != nil || count() != 0 {
		t.Fatalf("fresh certificate: %d events, %v", count(), err)
	}
	// Thirty days before it expires, the check warns in the log and in Directory Insights.
	keys, err := a.service.AppKeys(ctx, app.ID)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys %v %v", keys, err)
	}
	now = keys[0].NotAfter.Add(-30 * 24 * time.Hour)
	if err := a.checkCertificates(ctx); err != nil || count() != 1 {
		t.Fatalf("expiring certificate: %d events, %v", count(), err)
	}
	page, err := a.insights.Query(ctx, insights.Query{EventTypes: []insights.EventType{insights.ApplicationCertificateExpiring}})
	if err != nil {
		t.Fatal(err)
	}
	e := page.Events[0]
	if e.Application == nil || e.Application.ID != app.ID || e.Details["days_left"] != "30" && e.Details["days_left"] != "29" {
		t.Fatalf("event %+v %+v", e, e.Application)
	}
	if !strings.Contains(logs.String(), "signing certificate expires soon") {
		t.Fatalf("no warning logged:\n%s", logs.String())
	}
}

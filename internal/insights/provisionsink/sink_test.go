package provisionsink_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/insights/provisionsink"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

func TestSinkStoresEveryGuideEvent(t *testing.T) {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := insights.New(db)
	sink := provisionsink.Sink{Store: st}
	names := []string{provision.EvIntegrationActivate, provision.EvIntegrationUpdate, provision.EvIntegrationReauth,
		provision.EvIntegrationDelete, provision.EvUserCreate, provision.EvUserUpdate, provision.EvUserDeprovision,
		provision.EvUserDelete, provision.EvUserLookup, provision.EvGroupCreate, provision.EvGroupUpdate, provision.EvGroupDelete}
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for i, n := range names {
		ev := provision.Event{Name: n, At: at.Add(time.Duration(i) * time.Second), AppID: "app1", Subject: "user", SubjectID: "u1",
			Success: true, Initiator: "admin:a1", Changes: []connector.FieldChange{{Field: "email", From: "a", To: "b"}}}
		if n == provision.EvUserCreate {
			ev.Success, ev.Status, ev.ScimType, ev.Detail = false, 409, "uniqueness", "User already exists"
		}
		if err := sink.Record(ctx, ev); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
	}
	page, err := st.Query(ctx, insights.Query{Service: insights.ServiceSCIM, Sort: "ASC"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != len(names) {
		t.Fatalf("%d events", len(page.Events))
	}
	for i, e := range page.Events {
		if string(e.EventType) != names[i] || e.Application.ID != "app1" || e.InitiatedBy.ID != "a1" || len(e.Changes) != 1 {
			t.Errorf("event %d: %+v", i, e)
		}
	}
	failed := page.Events[4]
	if failed.Success || failed.Provisioning == nil || failed.Provisioning.HTTPStatus != 409 || failed.Provisioning.SCIMType != "uniqueness" {
		t.Errorf("failed create: %+v", failed)
	}
}

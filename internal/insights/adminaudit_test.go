package insights_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
)

// Admin accounts and API keys are audited like directory changes.
func TestAdminActionsAreEvents(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, s, _ := open(t, dsn)
		svc := &lifecycle.Service{Store: db, Hasher: auth.Hasher{Params: auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}}
		svc.Effects = append(svc.Effects, s.Effect)
		a, err := svc.CreateAdmin(ctx, lifecycle.NewAdmin{Email: "root@example.com", Password: "correct horse battery staple"})
		if err != nil {
			t.Fatal(err)
		}
		token, k, err := svc.CreateAPIKey(ctx, a.ID, "ci", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.RevokeAPIKey(ctx, k.ID); err != nil {
			t.Fatal(err)
		}
		page, err := s.Query(ctx, insights.Query{Service: insights.ServiceAdmin, Sort: "ASC"})
		if err != nil {
			t.Fatal(err)
		}
		want := []insights.EventType{insights.AdminCreate, insights.AdminAPIKeyCreate, insights.AdminAPIKeyRevoke}
		if len(page.Events) != len(want) {
			t.Fatalf("events: %+v", page.Events)
		}
		for i, e := range page.Events {
			if e.EventType != want[i] || e.Service != insights.ServiceAdmin || !e.Success || e.Resource == nil {
				t.Fatalf("event %d: %+v", i, e)
			}
			if i > 0 && (e.InitiatedBy.Email != "root@example.com" || e.Resource.Name != "ci") {
				t.Fatalf("event %d: %+v", i, e)
			}
			for _, c := range e.Changes {
				if c.To == token || c.From == token {
					t.Fatal("the API key's secret is in an event")
				}
			}
		}
	})
}

// A user imported from an application has a creation event naming the
// application and the admin.
func TestImportedUserEventNamesTheApp(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, s, _ := open(t, dsn)
		sealer, _ := secrets.New(bytes.Repeat([]byte{4}, secrets.KeySize))
		svc := &lifecycle.Service{Store: db, Sealer: sealer, BaseURL: "https://sso.example.com"}
		svc.Effects = append(svc.Effects, s.Effect)
		actor := directory.Actor{Type: directory.ActorAdmin, ID: "a1", Email: "root@example.com"}
		app, err := svc.CreateApp(ctx, actor, lifecycle.NewApp{TemplateID: "quip", Label: "Quip EU"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ImportUsers(ctx, actor, app.ID, []directory.User{{Username: "dana", Email: "dana@example.com"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateUser(ctx, actor, directory.User{Username: "eve", Email: "eve@example.com"}); err != nil {
			t.Fatal(err)
		}
		page, err := s.Query(ctx, insights.Query{EventTypes: []insights.EventType{insights.UserCreate}, Sort: "ASC"})
		if err != nil || len(page.Events) != 2 {
			t.Fatalf("events %+v %v", page, err)
		}
		imp := page.Events[0]
		if imp.Application == nil || imp.Application.ID != app.ID || imp.Application.DisplayLabel != "Quip EU" || imp.Application.Name != "quip" ||
			imp.InitiatedBy.Email != "root@example.com" || imp.Details["source"] != "import" {
			t.Fatalf("imported user's event: %+v %+v", imp, imp.Application)
		}
		if page.Events[1].Application != nil {
			t.Fatalf("a user made by hand names an application: %+v", page.Events[1].Application)
		}
	})
}

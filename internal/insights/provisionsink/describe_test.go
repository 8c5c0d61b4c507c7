package provisionsink_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/insights/provisionsink"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore/sqltest"
)

// Events name the application, the user or group and the admin, not only
// their ids; a deleted user keeps its id.
func TestSinkNamesWhatEventsAreAbout(t *testing.T) {
	sqltest.Backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, err := sqlstore.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		sealer, _ := secrets.New(bytes.Repeat([]byte{3}, secrets.KeySize))
		svc := &lifecycle.Service{Store: db, Sealer: sealer, BaseURL: "https://sso.example.com",
			Hasher: auth.Hasher{Params: auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}}
		admin, err := svc.CreateAdmin(ctx, lifecycle.NewAdmin{Email: "root@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		actor := directory.Actor{Type: directory.ActorAdmin, ID: admin.ID, Email: admin.Email}
		app, err := svc.CreateApp(ctx, actor, lifecycle.NewApp{TemplateID: "quip", Label: "Quip EU"})
		if err != nil {
			t.Fatal(err)
		}
		u, err := svc.CreateUser(ctx, actor, directory.User{Username: "ada", Email: "ada@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		g, err := svc.CreateGroup(ctx, actor, directory.Group{Name: "Engineering"})
		if err != nil {
			t.Fatal(err)
		}
		st := insights.New(db)
		sink := provisionsink.Sink{Store: st}
		at := time.Now()
		for _, ev := range []provision.Event{
			{Name: provision.EvUserCreate, At: at, AppID: app.ID, Subject: "user", SubjectID: u.ID, Success: true, Initiator: "admin:" + admin.ID},
			{Name: provision.EvGroupCreate, At: at.Add(time.Millisecond), AppID: app.ID, Subject: "group", SubjectID: g.ID, Success: true, Initiator: "system"},
			{Name: provision.EvUserDelete, At: at.Add(2 * time.Millisecond), AppID: app.ID, Subject: "user", SubjectID: "gone", Success: true, Initiator: "system"},
		} {
			if err := sink.Record(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		page, err := st.Query(ctx, insights.Query{Service: insights.ServiceSCIM, Sort: "ASC"})
		if err != nil || len(page.Events) != 3 {
			t.Fatalf("events %+v %v", page, err)
		}
		for _, e := range page.Events {
			if e.Application == nil || e.Application.Name != "quip" || e.Application.DisplayLabel != "Quip EU" {
				t.Errorf("%s: application %+v", e.EventType, e.Application)
			}
		}
		if r := page.Events[0].Resource; r.Name != "ada" || r.Email != "ada@example.com" || page.Events[0].InitiatedBy.Email != "root@example.com" {
			t.Errorf("user event: %+v %+v", r, page.Events[0].InitiatedBy)
		}
		if r := page.Events[1].Resource; r.Name != "Engineering" {
			t.Errorf("group event: %+v", r)
		}
		if r := page.Events[2].Resource; r.ID != "gone" || r.Name != "" {
			t.Errorf("deleted user's event: %+v", r)
		}
	})
}

package insights_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/web/sso"
)

func TestRoundTrip(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		_, s, _ := open(t, dsn)
		in := insights.Event{
			EventType:    insights.UserCreateProvision,
			Timestamp:    time.Date(2026, 11, 1, 10, 0, 0, 123456789, time.UTC),
			ClientIP:     "192.0.2.1",
			InitiatedBy:  insights.Initiator{ID: "a1", Type: "admin", Email: "root@example.com"},
			Success:      false,
			Resource:     &insights.Resource{ID: "u1", Type: "user", Email: "ada@example.com"},
			Application:  &insights.Application{ID: "app1", Name: "quip", DisplayLabel: "Quip"},
			Changes:      []insights.Change{{Field: "email", From: "a@x", To: "b@x"}},
			ErrorMessage: "conflict",
			Provisioning: &insights.Provisioning{HTTPStatus: 409, SCIMType: "uniqueness", Detail: "exists"},
		}
		if err := s.Record(ctx, in); err != nil {
			t.Fatal(err)
		}
		page, err := s.Query(ctx, insights.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Events) != 1 || page.Next != "" {
			t.Fatalf("page = %+v", page)
		}
		got := page.Events[0]
		if got.ID == "" || got.Service != insights.ServiceSCIM || got.Organization != "default" {
			t.Errorf("defaults not filled: %+v", got)
		}
		in.ID, in.Service, in.Organization = got.ID, got.Service, got.Organization
		in.Timestamp = time.Date(2026, 11, 1, 10, 0, 0, 123456000, time.UTC)
		a, _ := json.Marshal(in)
		b, _ := json.Marshal(got)
		if string(a) != string(b) {
			t.Errorf("round trip:\n got %s\nwant %s", b, a)
		}
		if !strings.Contains(string(b), `"timestamp":"2026-11-01T10:00:00.123Z"`) {
			t.Errorf("timestamp format: %s", b)
		}
		if err := s.Record(ctx, insights.Event{EventType: "nope"}); err == nil {
			t.Error("unknown event type accepted")
		}
	})
}

func TestCatalogue(t *testing.T) {
	for _, name := range []insights.EventType{insights.IDMIntegrationActivate, insights.UserLookupProvision,
		insights.GroupDeleteProvision, insights.SSOAuth, insights.AdminAPIKeyAuthFailure, insights.ApplicationGroupUnbind} {
		info, ok := insights.Lookup(name)
		if !ok || info.Description == "" || !insights.ValidService(info.Service) {
			t.Errorf("%s: %+v %v", name, info, ok)
		}
	}
	if len(insights.Catalogue()) < 39 {
		t.Errorf("catalogue has %d types", len(insights.Catalogue()))
	}
}

func TestLifecycleEffect(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, s, c := open(t, dsn)
		svc := &lifecycle.Service{Store: db, Now: c.Now, Effects: []lifecycle.Effect{s.Effect}}
		admin := directory.Actor{Type: directory.ActorAdmin, ID: "adm1", Email: "root@example.com"}
		u, err := svc.CreateUser(ctx, admin, directory.User{Username: "ada", Email: "ada@example.com", State: directory.UserStaged})
		if err != nil {
			t.Fatal(err)
		}
		g, err := svc.CreateGroup(ctx, admin, directory.Group{Name: "eng"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddMembers(ctx, admin, g.ID, []string{u.ID}); err != nil {
			t.Fatal(err)
		}
		name := "Ada L"
		if _, err := svc.UpdateUser(ctx, admin, u.ID, directory.UserUpdate{DisplayName: &name}); err != nil {
			t.Fatal(err)
		}
		for _, st := range []directory.UserState{directory.UserActivated, directory.UserSuspended, directory.UserActivated} {
			if _, err := svc.UpdateUser(ctx, admin, u.ID, directory.UserUpdate{State: &st}); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.DeleteUser(ctx, admin, u.ID); err != nil {
			t.Fatal(err)
		}
		page, err := s.Query(ctx, insights.Query{Sort: "ASC"})
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, e := range page.Events {
			types = append(types, string(e.EventType))
			if e.InitiatedBy.ID != "adm1" || e.InitiatedBy.Email != "root@example.com" || e.Service != insights.ServiceDirectory {
				t.Errorf("%s initiator: %+v", e.EventType, e.InitiatedBy)
			}
		}
		want := "user_create group_create group_add_member user_update user_activation user_suspend user_activate group_remove_member user_delete"
		if strings.Join(types, " ") != want {
			t.Errorf("types = %v\nwant %s", types, want)
		}
		first := page.Events[0]
		if first.Resource == nil || first.Resource.ID != u.ID || first.Resource.Name != "ada" {
			t.Errorf("resource %+v", first.Resource)
		}
		found := false
		for _, ch := range first.Changes {
			if ch.Field == "email" && ch.To == "ada@example.com" {
				found = true
			}
		}
		if !found {
			t.Errorf("user_create changes = %+v", first.Changes)
		}
		// A mutation that fails rolls its events back with it.
		failing := &lifecycle.Service{Store: db, Now: c.Now, Effects: []lifecycle.Effect{s.Effect,
			func(context.Context, directory.Tx, []directory.Change) error { return errors.New("boom") }}}
		if _, err := failing.CreateUser(ctx, admin, directory.User{Username: "bob", Email: "bob@example.com"}); err == nil {
			t.Fatal("want error")
		}
		n, err := s.Count(ctx, insights.Query{EventTypes: []insights.EventType{insights.UserCreate}})
		if err != nil || n != 1 {
			t.Errorf("count = %d, %v; want 1", n, err)
		}
	})
}

func TestEventForChangeApps(t *testing.T) {
	for kind, want := range map[directory.ChangeKind]insights.EventType{
		directory.AppCreated: insights.ApplicationCreate, directory.AppUpdated: insights.ApplicationUpdate,
		directory.AppDeleted: insights.ApplicationDelete, directory.AppSSOUpdated: insights.ApplicationSSOUpdate,
		directory.AppSSODeactivated: insights.ApplicationSSODeactivate, directory.AppSSOActivated: insights.ApplicationSSOActivate,
		directory.AppKeysChanged: insights.ApplicationKeysUpdate, directory.AppGroupBound: insights.ApplicationGroupBind,
		directory.AppGroupUnbound: insights.ApplicationGroupUnbind, directory.GroupUpdated: insights.GroupUpdate,
		directory.GroupDeleted: insights.GroupDelete,
	} {
		rt := "app"
		if strings.HasPrefix(string(kind), "group.") {
			rt = "group"
		}
		e, ok := insights.EventForChange(directory.Change{Kind: kind, ResourceType: rt, ResourceID: "x", ResourceName: "X", RelatedID: "g1"})
		if !ok || e.EventType != want {
			t.Errorf("%s -> %s, want %s", kind, e.EventType, want)
		}
		if rt == "app" && (e.Application == nil || e.Application.ID != "x") {
			t.Errorf("%s: application %+v", kind, e.Application)
		}
	}
}

func TestSSORecorder(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		_, s, _ := open(t, dsn)
		r := insights.SSORecorder{Store: s}
		r.Record(ctx, sso.SSOEvent{AppID: "app1", AppSlug: "quip", AppLabel: "Quip", UserID: "u1", UserEmail: "ada@example.com",
			Initiated: "idp", Decision: sso.DecisionRefused, Reason: "user not authorized for the application", ClientIP: "198.51.100.7"})
		page, err := s.Query(ctx, insights.Query{Service: insights.ServiceSSO, SearchTerm: "not authorized"})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Events) != 1 {
			t.Fatalf("got %d events", len(page.Events))
		}
		e := page.Events[0]
		if e.EventType != insights.SSOAuth || e.Success || e.ClientIP != "198.51.100.7" || e.Application.Name != "quip" ||
			e.Details["decision"] != "refused" || e.ErrorMessage == "" || e.InitiatedBy.ID != "u1" {
			t.Errorf("event %+v", e)
		}
	})
}

func TestRetention(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		_, s, c := open(t, dsn)
		var evs []insights.Event
		start := c.Now()
		for i := 0; i < 25; i++ {
			evs = append(evs, insights.Event{EventType: insights.UserCreate, Timestamp: start.Add(time.Duration(i) * 24 * time.Hour)})
		}
		if err := s.RecordBatch(ctx, evs); err != nil {
			t.Fatal(err)
		}
		c.Add(30 * 24 * time.Hour) // now = start+30d; keep 10 days: events of day >= 20 remain
		n, err := s.Prune(ctx, 10*24*time.Hour, 4)
		if err != nil || n != 20 {
			t.Fatalf("pruned %d, %v; want 20", n, err)
		}
		left, err := s.Count(ctx, insights.Query{})
		if err != nil || left != 5 {
			t.Fatalf("left %d, %v", left, err)
		}
		if n, _ := s.Prune(ctx, 10*24*time.Hour, 4); n != 0 {
			t.Errorf("second prune deleted %d", n)
		}
	})
}

func TestQueryPaging(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		_, s, c := open(t, dsn)
		base := c.Now()
		var evs []insights.Event
		for i := 0; i < 250; i++ {
			typ := insights.UserLoginAttempt
			if i%5 == 0 {
				typ = insights.SSOAuth
			}
			// pairs of events share a timestamp, so ids break ties
			evs = append(evs, insights.Event{EventType: typ, Timestamp: base.Add(time.Duration(i/2) * time.Second),
				Success: i%3 != 0, Resource: &insights.Resource{ID: fmt.Sprintf("u%03d", i), Type: "user", Email: fmt.Sprintf("user%03d@example.com", i)}})
		}
		if err := s.RecordBatch(ctx, evs); err != nil {
			t.Fatal(err)
		}
		for _, sort := range []string{"ASC", "DESC"} {
			q := insights.Query{EventTypes: []insights.EventType{insights.UserLoginAttempt}, Sort: sort, Limit: 30}
			var seen []insights.Event
			for pages := 0; ; pages++ {
				if pages > 20 {
					t.Fatal("paging does not end")
				}
				page, err := s.Query(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				seen = append(seen, page.Events...)
				if page.Next == "" {
					break
				}
				q.SearchAfter = page.Next
			}
			if len(seen) != 200 {
				t.Fatalf("%s: %d events, want 200", sort, len(seen))
			}
			ids := map[string]bool{}
			for i, e := range seen {
				if ids[e.ID] || e.EventType != insights.UserLoginAttempt {
					t.Fatalf("duplicate or wrong event %+v", e)
				}
				ids[e.ID] = true
				if i > 0 {
					prev := seen[i-1]
					less := prev.Timestamp.Before(e.Timestamp) || (prev.Timestamp.Equal(e.Timestamp) && prev.ID < e.ID)
					if less != (sort == "ASC") {
						t.Fatalf("%s order broken at %d", sort, i)
					}
				}
			}
		}
		// time range, search, count
		q := insights.Query{Start: base.Add(10 * time.Second), End: base.Add(20 * time.Second)}
		if n, err := s.Count(ctx, q); err != nil || n != 20 {
			t.Errorf("range count = %d, %v", n, err)
		}
		if n, err := s.Count(ctx, insights.Query{SearchTerm: "USER010@"}); err != nil || n != 1 {
			t.Errorf("search count = %d, %v", n, err)
		}
		if n, err := s.Count(ctx, insights.Query{Service: insights.ServiceSSO}); err != nil || n != 50 {
			t.Errorf("service count = %d, %v", n, err)
		}
		if n, err := s.Count(ctx, insights.Query{SearchTerm: "%"}); err != nil || n != 0 {
			t.Errorf("wildcard search count = %d, %v", n, err)
		}
		var exported int
		if err := s.Export(ctx, insights.Query{Limit: 7}, func(insights.Event) error { exported++; return nil }); err != nil || exported != 250 {
			t.Errorf("exported %d, %v", exported, err)
		}
	})
}

func TestQueryInvalid(t *testing.T) {
	_, s, c := open(t, "sqlite:"+t.TempDir()+"/db.sqlite")
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if err := s.Record(ctx, insights.Event{EventType: insights.UserCreate}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := s.Query(ctx, insights.Query{Limit: 1})
	if err != nil || page.Next == "" {
		t.Fatal(page, err)
	}
	now := c.Now()
	cases := map[string]insights.Query{
		"service":     {Service: "bogus"},
		"type":        {EventTypes: []insights.EventType{"user_create", "bogus"}},
		"reversed":    {Start: now, End: now.Add(-time.Second)},
		"limit high":  {Limit: 10001},
		"limit low":   {Limit: -1},
		"sort":        {Sort: "UP"},
		"forged":      {SearchAfter: "AAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		"garbage":     {SearchAfter: "!!!"},
		"other query": {Limit: 1, Service: insights.ServiceDirectory, SearchAfter: page.Next},
		"long search": {SearchTerm: strings.Repeat("x", 300)},
	}
	for name, q := range cases {
		_, err := s.Query(ctx, q)
		if !insights.IsInvalid(err) {
			t.Errorf("%s: err = %v, want invalid", name, err)
		}
	}
	_, err = s.Query(ctx, insights.Query{EventTypes: []insights.EventType{"bogus"}})
	if err == nil || !strings.Contains(err.Error(), "user_create") {
		t.Errorf("error does not list valid types: %v", err)
	}
	// A cursor from another key (a restarted server with a new key) is refused.
	other := insights.New(s.DB)
	if _, err := other.Query(ctx, insights.Query{Limit: 1, SearchAfter: page.Next}); !insights.IsInvalid(err) {
		t.Errorf("foreign cursor: %v", err)
	}
	_ = sqlstore.Postgres
}

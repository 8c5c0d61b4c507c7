package quip_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
)

func TestGroups(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	a := e.createUser("a@acme.test", "A", "A")
	b := e.createUser("b@acme.test", "B", "B")
	if _, ok := connector.Connector(e.conn).(connector.GroupMemberPatcher); ok {
		t.Fatal("the Quip connector must not offer group PATCH")
	}
	g, err := e.conn.CreateGroup(ctx, connector.Group{DisplayName: "Engineering", MemberIDs: []string{a.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if g.ID == "" || g.DisplayName != "Engineering" || !slices.Equal(g.MemberIDs, []string{a.ID}) {
		t.Fatalf("created %+v", g)
	}
	found, err := connector.FindGroupByName(ctx, e.conn, "  engineering ")
	if err != nil || found == nil || found.ID != g.ID {
		t.Fatalf("FindGroupByName = %+v, %v", found, err)
	}
	if none, err := connector.FindGroupByName(ctx, e.conn, "Sales"); none != nil || err != nil {
		t.Fatalf("FindGroupByName(Sales) = %+v, %v", none, err)
	}
	var rep connector.GroupReplacer = e.conn
	if err := rep.ReplaceGroup(ctx, g.ID, connector.Group{DisplayName: "Engineering", MemberIDs: []string{b.ID}}); err != nil {
		t.Fatal(err)
	}
	if err := e.conn.RenameGroup(ctx, g.ID, "Eng"); err != nil {
		t.Fatal(err)
	}
	got, err := e.conn.GetGroup(ctx, g.ID)
	if err != nil || got.DisplayName != "Eng" || !slices.Equal(got.MemberIDs, []string{b.ID}) {
		t.Fatalf("GetGroup = %+v, %v", got, err)
	}
	var listed []connector.RemoteGroup
	if err := e.conn.ListGroups(ctx, func(g connector.RemoteGroup) error { listed = append(listed, g); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 1 || listed[0].ID != g.ID {
		t.Fatalf("listed %+v", listed)
	}
	if err := e.conn.DeleteGroup(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.conn.GetGroup(ctx, g.ID); !connector.IsNotFound(err) {
		t.Fatalf("after delete: %v", err)
	}
	if err := e.conn.DeleteGroup(ctx, g.ID); !connector.IsNotFound(err) {
		t.Fatalf("second delete: %v", err)
	}
	for _, r := range e.rec.take() {
		if strings.Contains(r.Path, "/Groups") {
			if r.Method == "PATCH" {
				t.Errorf("group PATCH sent: %s", r.Path)
			}
			if len(r.Body) > 0 {
				var m map[string]any
				if err := json.Unmarshal(r.Body, &m); err != nil {
					t.Fatal(err)
				}
				if _, ok := m["externalId"]; ok {
					t.Errorf("%s %s sent externalId: %s", r.Method, r.Path, r.Body)
				}
			}
		}
	}
}

func TestReplaceGroupTenThousandMembers(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 10,000 users")
	}
	e := newEnv(t, nil)
	ctx := context.Background()
	ids := createMany(t, e, 10_000)
	g, err := e.conn.CreateGroup(ctx, connector.Group{DisplayName: "Everyone", MemberIDs: ids[:1]})
	if err != nil {
		t.Fatal(err)
	}
	e.rec.take()
	if err := e.conn.ReplaceGroup(ctx, g.ID, connector.Group{DisplayName: "Everyone", MemberIDs: ids}); err != nil {
		t.Fatal(err)
	}
	reqs := e.rec.take()
	if len(reqs) != 1 || reqs[0].Method != "PUT" {
		t.Fatalf("%d requests, want one PUT", len(reqs))
	}
	got, err := e.sim.GetGroup(ctx, e.company.ID, g.ID)
	if err != nil || len(got.Members) != 10_000 {
		t.Fatalf("group has %d members, %v", len(got.Members), err)
	}
	n := 0
	if err := e.conn.ListGroups(ctx, func(g connector.RemoteGroup) error { n += len(g.MemberIDs); return nil }); err != nil || n != 10_000 {
		t.Fatalf("listed %d members, %v", n, err)
	}
}

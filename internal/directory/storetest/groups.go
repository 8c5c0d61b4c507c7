package storetest

import (
	"context"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

func normGroup(g directory.Group, members int) directory.Group {
	g.CreatedAt, g.UpdatedAt, g.MemberCount = stored(g.CreatedAt), stored(g.UpdatedAt), members
	return g
}

func testGroups(t *testing.T, s directory.Store) {
	g := newGroup(1)
	g.Name = "Engineering Team"
	createGroups(t, s, g)
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		got, err := tx.GetGroup(ctx, g.ID)
		if err != nil || *got != normGroup(g, 0) {
			t.Fatalf("GetGroup: %+v, %v", got, err)
		}
		got, err = tx.GetGroupByName(ctx, "engineering TEAM")
		if err != nil || got.ID != g.ID {
			t.Fatalf("GetGroupByName: %+v, %v", got, err)
		}
		_, err = tx.GetGroup(ctx, "nope")
		wantCode(t, err, directory.ENOTFOUND)
		_, err = tx.GetGroupByName(ctx, "nope")
		wantCode(t, err, directory.ENOTFOUND)
		return nil
	})
	next := g
	next.Name, next.Description = "Platform", "builds the platform"
	next.UpdatedAt = g.UpdatedAt.Add(60e9)
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.UpdateGroup(ctx, &next) })
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		got, err := tx.GetGroupByName(ctx, "platform")
		if err != nil || *got != normGroup(next, 0) {
			t.Fatalf("after update: %+v, %v", got, err)
		}
		return nil
	})
	err := update(t, s, func(ctx context.Context, tx directory.Tx) error {
		x := newGroup(9)
		return tx.UpdateGroup(ctx, &x)
	})
	wantCode(t, err, directory.ENOTFOUND)
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.DeleteGroup(ctx, g.ID) })
	err = update(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.DeleteGroup(ctx, g.ID) })
	wantCode(t, err, directory.ENOTFOUND)
}

func testGroupConflicts(t *testing.T, s directory.Store) {
	a, b := newGroup(1), newGroup(2)
	a.Name = "Sales"
	createGroups(t, s, a, b)
	for _, name := range []string{"Sales", "sales", "SALES"} {
		g := newGroup(3)
		g.Name = name
		err := update(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.CreateGroup(ctx, &g) })
		wantConflict(t, err, "name")
		err = update(t, s, func(ctx context.Context, tx directory.Tx) error {
			c := b
			c.Name = name
			return tx.UpdateGroup(ctx, &c)
		})
		wantConflict(t, err, "name")
	}
}

func testListGroups(t *testing.T, s directory.Store) {
	gs := []directory.Group{newGroup(1), newGroup(2), newGroup(3), newGroup(4)}
	gs[0].Name, gs[0].Description = "beta", "Second letter"
	gs[1].Name, gs[1].Description = "Alpha", "first 100% letter"
	gs[2].Name, gs[2].Description = "Delta", ""
	gs[3].Name, gs[3].Description = "gamma_ray", "third"
	for i := range gs {
		gs[i].CreatedAt = base
	}
	createGroups(t, s, gs...)
	listG := func(f directory.GroupFilter) ([]string, int) {
		var got []string
		var total int
		mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
			out, n, err := tx.ListGroups(ctx, f)
			if err != nil {
				t.Fatalf("ListGroups(%+v): %v", f, err)
			}
			got, total = groupIDs(out), n
			return nil
		})
		return got, total
	}
	id := func(i int) string { return gs[i].ID }
	got, n := listG(directory.GroupFilter{})
	wantIDs(t, "by name", got, []string{id(1), id(0), id(2), id(3)})
	if n != 4 {
		t.Errorf("total %d", n)
	}
	got, _ = listG(directory.GroupFilter{Desc: true})
	wantIDs(t, "by name desc", got, []string{id(3), id(2), id(0), id(1)})
	got, _ = listG(directory.GroupFilter{Sort: directory.SortGroupCreated})
	wantIDs(t, "by created", got, []string{id(0), id(1), id(2), id(3)})
	got, n = listG(directory.GroupFilter{Offset: 1, Limit: 2})
	wantIDs(t, "page", got, []string{id(0), id(2)})
	if n != 4 {
		t.Errorf("page total %d", n)
	}
	for search, want := range map[string][]string{
		"LETTER": {id(1), id(0)}, "elt": {id(2)}, "_": {id(3)}, "%": {id(1)}, "ta": {id(0), id(2)}, "zzz": nil,
	} {
		got, n := listG(directory.GroupFilter{Search: search})
		if (len(got) != 0 || len(want) != 0) && !equalStrings(got, want) || n != len(want) {
			t.Errorf("search %q: got %v (total %d), want %v", search, got, n, want)
		}
	}
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		_, _, err := tx.ListGroups(ctx, directory.GroupFilter{Sort: "size"})
		wantCode(t, err, directory.EINVALID)
		return nil
	})
}

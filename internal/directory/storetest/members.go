package storetest

import (
	"context"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

func testMembers(t *testing.T, s directory.Store) {
	u1, u2, u3 := newUser(1), newUser(2), newUser(3)
	createUsers(t, s, u1, u2, u3)
	g, h := newGroup(1), newGroup(2)
	createGroups(t, s, g, h)
	var added, removed []string
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) (err error) {
		added, err = tx.AddMembers(ctx, g.ID, []string{u2.ID, u1.ID, u2.ID})
		return err
	})
	wantIDs(t, "added", added, []string{u2.ID, u1.ID})
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) (err error) {
		added, err = tx.AddMembers(ctx, g.ID, []string{u1.ID, u3.ID})
		if err != nil {
			return err
		}
		_, err = tx.AddMembers(ctx, h.ID, []string{u1.ID})
		return err
	})
	wantIDs(t, "added again", added, []string{u3.ID})
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) (err error) {
		added, err = tx.AddMembers(ctx, g.ID, []string{u1.ID, u2.ID})
		return err
	})
	if len(added) != 0 {
		t.Errorf("re-adding members returned %v", added)
	}
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		ms, err := tx.MemberIDs(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "members", ms, []string{u1.ID, u2.ID, u3.ID})
		gs, err := tx.GroupIDsOfUser(ctx, u1.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "groups of u1", gs, []string{g.ID, h.ID})
		gs, err = tx.GroupIDsOfUser(ctx, "nobody")
		if err != nil || len(gs) != 0 {
			t.Errorf("groups of an unknown user: %v, %v", gs, err)
		}
		got, err := tx.GetGroup(ctx, g.ID)
		if err != nil || got.MemberCount != 3 {
			t.Errorf("MemberCount: %+v, %v", got, err)
		}
		list, _, err := tx.ListGroups(ctx, directory.GroupFilter{})
		if err != nil || len(list) != 2 || list[0].MemberCount != 3 || list[1].MemberCount != 1 {
			t.Errorf("ListGroups member counts: %+v, %v", list, err)
		}
		list, n, err := tx.ListGroups(ctx, directory.GroupFilter{UserID: u2.ID})
		if err != nil || n != 1 || len(list) != 1 || list[0].ID != g.ID {
			t.Errorf("ListGroups of u2: %+v, %d, %v", list, n, err)
		}
		_, err = tx.MemberIDs(ctx, "nope")
		wantCode(t, err, directory.ENOTFOUND)
		return nil
	})
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) (err error) {
		removed, err = tx.RemoveMembers(ctx, g.ID, []string{u3.ID, "nobody", u1.ID, u3.ID})
		return err
	})
	wantIDs(t, "removed", removed, []string{u3.ID, u1.ID})
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) (err error) {
		removed, err = tx.RemoveMembers(ctx, g.ID, []string{u3.ID})
		return err
	})
	if len(removed) != 0 {
		t.Errorf("removing a non-member returned %v", removed)
	}
	err := update(t, s, func(ctx context.Context, tx directory.Tx) error {
		_, err := tx.RemoveMembers(ctx, "nope", []string{u1.ID})
		return err
	})
	wantCode(t, err, directory.ENOTFOUND)
	err = update(t, s, func(ctx context.Context, tx directory.Tx) error {
		_, err := tx.AddMembers(ctx, "nope", []string{u1.ID})
		return err
	})
	wantCode(t, err, directory.ENOTFOUND)
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		ms, err := tx.MemberIDs(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "members after removal", ms, []string{u2.ID})
		return nil
	})
}

func testMembersAllOrNothing(t *testing.T, s directory.Store) {
	u1, u2 := newUser(1), newUser(2)
	createUsers(t, s, u1, u2)
	g := newGroup(1)
	createGroups(t, s, g)
	ctx := context.Background()
	// The error comes from AddMembers itself, before any commit: even a
	// caller that ignored it and committed would find nothing added.
	err := s.Update(ctx, func(tx directory.Tx) error {
		_, err := tx.AddMembers(ctx, g.ID, []string{u1.ID, "ghost", u2.ID})
		wantCode(t, err, directory.ENOTFOUND)
		return nil
	})
	if err != nil && directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Fatalf("Update: %v", err)
	}
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		ms, err := tx.MemberIDs(ctx, g.ID)
		if err != nil || len(ms) != 0 {
			t.Fatalf("members after a failed AddMembers: %v, %v", ms, err)
		}
		return nil
	})
}

func testDeleteRemovesMemberships(t *testing.T, s directory.Store) {
	u1, u2 := newUser(1), newUser(2)
	createUsers(t, s, u1, u2)
	g, h := newGroup(1), newGroup(2)
	createGroups(t, s, g, h)
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error {
		if _, err := tx.AddMembers(ctx, g.ID, []string{u1.ID, u2.ID}); err != nil {
			return err
		}
		_, err := tx.AddMembers(ctx, h.ID, []string{u1.ID, u2.ID})
		return err
	})
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error {
		if err := tx.DeleteUser(ctx, u1.ID); err != nil {
			return err
		}
		return tx.DeleteGroup(ctx, h.ID)
	})
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		ms, err := tx.MemberIDs(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "members after user delete", ms, []string{u2.ID})
		gs, err := tx.GroupIDsOfUser(ctx, u2.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "groups after group delete", gs, []string{g.ID})
		got, err := tx.GetGroup(ctx, g.ID)
		if err != nil || got.MemberCount != 1 {
			t.Errorf("MemberCount after delete: %+v, %v", got, err)
		}
		return nil
	})
	// A new group with the deleted one's id starts empty.
	createGroups(t, s, newGroup(2))
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		ms, err := tx.MemberIDs(ctx, h.ID)
		if err != nil || len(ms) != 0 {
			t.Errorf("recreated group has members %v, %v", ms, err)
		}
		return nil
	})
}

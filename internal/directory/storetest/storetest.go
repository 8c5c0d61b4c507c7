package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// Run runs the conformance suite. open must return a new, empty store for
// each call and close it when t ends.
func Run(t *testing.T, open func(t *testing.T) directory.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s directory.Store)
	}{
		{"UserCreateGet", testUserCreateGet},
		{"UserConflicts", testUserConflicts},
		{"CreateUsers", testCreateUsers},
		{"UpdateUser", testUpdateUser},
		{"DeleteUser", testDeleteUser},
		{"ListUsersPaging", testListUsersPaging},
		{"ListUsersSort", testListUsersSort},
		{"ListUsersFilter", testListUsersFilter},
		{"ListUsersSearch", testListUsersSearch},
		{"Groups", testGroups},
		{"GroupConflicts", testGroupConflicts},
		{"ListGroups", testListGroups},
		{"Members", testMembers},
		{"MembersAllOrNothing", testMembersAllOrNothing},
		{"DeleteRemovesMemberships", testDeleteRemovesMemberships},
		{"Changes", testChanges},
		{"Admins", testAdmins},
		{"APIKeys", testAPIKeys},
		{"Rollback", testRollback},
		{"ViewRefusesWrites", testViewRefusesWrites},
		{"TimestampRoundTrip", testTimestampRoundTrip},
		{"Ping", testPing},
	}
	tests = append(tests, appTests...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

// base is a time with nanoseconds in a zone other than UTC: stores must
// return it in UTC, truncated to microseconds.
var base = time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.FixedZone("UTC+1", 3600))

// stored is how a store returns t.
func stored(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func newUser(n int) directory.User {
	at := base.Add(time.Duration(n) * time.Second)
	return directory.User{
		ID:          fmt.Sprintf("user-%04d", n),
		Username:    fmt.Sprintf("user%04d", n),
		Email:       fmt.Sprintf("user%04d@example.com", n),
		FirstName:   "First",
		LastName:    "Last",
		DisplayName: fmt.Sprintf("User %d", n),
		State:       directory.UserActivated,
		CreatedAt:   at,
		UpdatedAt:   at,
	}
}

func newGroup(n int) directory.Group {
	at := base.Add(time.Duration(n) * time.Second)
	return directory.Group{
		ID:          fmt.Sprintf("group-%04d", n),
		Name:        fmt.Sprintf("Group %04d", n),
		Description: "a group",
		CreatedAt:   at,
		UpdatedAt:   at,
	}
}

func update(t *testing.T, s directory.Store, fn func(ctx context.Context, tx directory.Tx) error) error {
	t.Helper()
	ctx := context.Background()
	return s.Update(ctx, func(tx directory.Tx) error { return fn(ctx, tx) })
}

func mustUpdate(t *testing.T, s directory.Store, fn func(ctx context.Context, tx directory.Tx) error) {
	t.Helper()
	if err := update(t, s, fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func mustView(t *testing.T, s directory.Store, fn func(ctx context.Context, tx directory.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := s.View(ctx, func(tx directory.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func createUsers(t *testing.T, s directory.Store, us ...directory.User) {
	t.Helper()
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.CreateUsers(ctx, us) })
}

func createGroups(t *testing.T, s directory.Store, gs ...directory.Group) {
	t.Helper()
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error {
		for i := range gs {
			if err := tx.CreateGroup(ctx, &gs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := directory.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func wantConflict(t *testing.T, err error, field string) {
	t.Helper()
	wantCode(t, err, directory.ECONFLICT)
	fs := directory.ErrorFields(err)
	if len(fs) != 1 || fs[0].Field != field {
		t.Fatalf("conflict %v names fields %v, want %q", err, fs, field)
	}
}

func ids[T any](xs []T, id func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

func userIDs(us []directory.User) []string {
	return ids(us, func(u directory.User) string { return u.ID })
}

func groupIDs(gs []directory.Group) []string {
	return ids(gs, func(g directory.Group) string { return g.ID })
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func wantIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !equalStrings(got, want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

func testRollback(t *testing.T, s directory.Store) {
	boom := errors.New("boom")
	err := update(t, s, func(ctx context.Context, tx directory.Tx) error {
		u, g := newUser(1), newGroup(1)
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		if err := tx.CreateGroup(ctx, &g); err != nil {
			return err
		}
		if _, err := tx.AddMembers(ctx, g.ID, []string{u.ID}); err != nil {
			return err
		}
		if err := tx.AppendChanges(ctx, []directory.Change{{At: base, Actor: directory.SystemActor, Kind: directory.UserCreated, ResourceType: "user", ResourceID: u.ID}}); err != nil {
			return err
		}
		a := directory.Admin{ID: "a1", Email: "a@example.com", Role: directory.RoleAdmin, CreatedAt: base, UpdatedAt: base}
		if err := tx.CreateAdmin(ctx, &a); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("Update returned %v, want fn's error unchanged", err)
	}
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		_, n, err := tx.ListUsers(ctx, directory.UserFilter{})
		if err != nil || n != 0 {
			t.Errorf("users after rollback: %d, %v", n, err)
		}
		_, n, err = tx.ListGroups(ctx, directory.GroupFilter{})
		if err != nil || n != 0 {
			t.Errorf("groups after rollback: %d, %v", n, err)
		}
		cs, err := tx.ListChanges(ctx, directory.ChangeFilter{})
		if err != nil || len(cs) != 0 {
			t.Errorf("changes after rollback: %v, %v", cs, err)
		}
		as, err := tx.ListAdmins(ctx)
		if err != nil || len(as) != 0 {
			t.Errorf("admins after rollback: %v, %v", as, err)
		}
		return nil
	})
}

func testViewRefusesWrites(t *testing.T, s directory.Store) {
	ctx := context.Background()
	err := s.View(ctx, func(tx directory.Tx) error {
		u := newUser(1)
		return tx.CreateUser(ctx, &u)
	})
	if err == nil {
		t.Fatal("CreateUser inside View succeeded")
	}
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		_, err := tx.GetUser(ctx, newUser(1).ID)
		wantCode(t, err, directory.ENOTFOUND)
		return nil
	})
	// The store still writes afterwards.
	createUsers(t, s, newUser(2))
}

func testTimestampRoundTrip(t *testing.T, s directory.Store) {
	u := newUser(1)
	u.CreatedAt = time.Date(2026, 1, 2, 3, 4, 5, 999999999, time.FixedZone("X", -5*3600))
	u.UpdatedAt = u.CreatedAt.Add(1500 * time.Nanosecond)
	createUsers(t, s, u)
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		got, err := tx.GetUser(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.CreatedAt != stored(u.CreatedAt) || got.UpdatedAt != stored(u.UpdatedAt) {
			t.Errorf("times %v %v, want %v %v", got.CreatedAt, got.UpdatedAt, stored(u.CreatedAt), stored(u.UpdatedAt))
		}
		if got.CreatedAt.Location() != time.UTC {
			t.Errorf("location %v, want UTC", got.CreatedAt.Location())
		}
		return nil
	})
}

func testPing(t *testing.T, s directory.Store) {
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

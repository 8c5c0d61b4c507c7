package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// normUser is u as a store returns it.
func normUser(u directory.User) directory.User {
	u.CreatedAt, u.UpdatedAt = stored(u.CreatedAt), stored(u.UpdatedAt)
	return u
}

func testUserCreateGet(t *testing.T, s directory.Store) {
	u := newUser(1)
	u.Username, u.Email, u.EmployeeID = "Alice.Smith", "alice@example.com", "E-1"
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.CreateUser(ctx, &u) })
	want := normUser(u)
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		for name, get := range map[string]func() (*directory.User, error){
			"GetUser":           func() (*directory.User, error) { return tx.GetUser(ctx, u.ID) },
			"GetUserByEmail":    func() (*directory.User, error) { return tx.GetUserByEmail(ctx, "ALICE@Example.COM") },
			"GetUserByUsername": func() (*directory.User, error) { return tx.GetUserByUsername(ctx, "alice.SMITH") },
		} {
			got, err := get()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if *got != want {
				t.Errorf("%s:\n got %+v\nwant %+v", name, *got, want)
			}
		}
		_, err := tx.GetUser(ctx, "nope")
		wantCode(t, err, directory.ENOTFOUND)
		_, err = tx.GetUserByEmail(ctx, "nope@example.com")
		wantCode(t, err, directory.ENOTFOUND)
		_, err = tx.GetUserByUsername(ctx, "nope")
		wantCode(t, err, directory.ENOTFOUND)
		return nil
	})
}

func testUserConflicts(t *testing.T, s directory.Store) {
	first := newUser(1)
	first.Username, first.Email, first.EmployeeID = "Bob", "bob@example.com", "E-7"
	noEmp := newUser(2) // two users without an employee id are fine
	noEmp2 := newUser(3)
	createUsers(t, s, first, noEmp, noEmp2)
	cases := []struct {
		name  string
		edit  func(u *directory.User)
		field string
	}{
		{"username", func(u *directory.User) { u.Username = "bob" }, "username"},
		{"username upper", func(u *directory.User) { u.Username = "BOB" }, "username"},
		{"email", func(u *directory.User) { u.Email = "bob@example.com" }, "email"},
		{"email mixed case", func(u *directory.User) { u.Email = "Bob@Example.com" }, "email"},
		{"employee id", func(u *directory.User) { u.EmployeeID = "E-7" }, "employeeIdentifier"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := newUser(10)
			c.edit(&u)
			err := update(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.CreateUser(ctx, &u) })
			wantConflict(t, err, c.field)
			// The same through CreateUsers and UpdateUser.
			err = update(t, s, func(ctx context.Context, tx directory.Tx) error {
				return tx.CreateUsers(ctx, []directory.User{newUser(11), u})
			})
			wantConflict(t, err, c.field)
			err = update(t, s, func(ctx context.Context, tx directory.Tx) error {
				v := newUser(2)
				c.edit(&v)
				return tx.UpdateUser(ctx, &v)
			})
			wantConflict(t, err, c.field)
		})
	}
	dup := newUser(1)
	dup.Username, dup.Email = "other", "other@example.com"
	err := update(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.CreateUser(ctx, &dup) })
	wantCode(t, err, directory.ECONFLICT)
}

func testCreateUsers(t *testing.T, s directory.Store) {
	var us []directory.User
	for i := range 250 {
		us = append(us, newUser(i))
	}
	createUsers(t, s, us...)
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		_, n, err := tx.ListUsers(ctx, directory.UserFilter{})
		if err != nil || n != 250 {
			t.Fatalf("ListUsers total %d, %v; want 250", n, err)
		}
		got, err := tx.GetUser(ctx, us[249].ID)
		if err != nil || *got != normUser(us[249]) {
			t.Fatalf("GetUser: %+v, %v", got, err)
		}
		return nil
	})
	// A batch with one duplicate (inside the batch) writes nothing.
	var more []directory.User
	for i := 300; i < 450; i++ {
		more = append(more, newUser(i))
	}
	more = append(more, newUser(300))
	err := update(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.CreateUsers(ctx, more) })
	wantCode(t, err, directory.ECONFLICT)
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		_, n, err := tx.ListUsers(ctx, directory.UserFilter{})
		if err != nil || n != 250 {
			t.Fatalf("after a failed batch: total %d, %v; want 250", n, err)
		}
		return nil
	})
	createUsers(t, s) // an empty batch is fine
}

func testUpdateUser(t *testing.T, s directory.Store) {
	u := newUser(1)
	createUsers(t, s, u)
	next := u
	next.Username, next.Email, next.FirstName, next.LastName = "Renamed", "renamed@example.com", "Ann", "Lee"
	next.EmployeeID, next.DisplayName, next.State = "E-9", "Ann Lee", directory.UserSuspended
	next.UpdatedAt = u.UpdatedAt.Add(3600e9)
	next.CreatedAt = u.CreatedAt.Add(-3600e9) // ignored
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.UpdateUser(ctx, &next) })
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		got, err := tx.GetUserByUsername(ctx, "renamed")
		if err != nil {
			t.Fatal(err)
		}
		want := normUser(next)
		want.CreatedAt = stored(u.CreatedAt)
		if *got != want {
			t.Errorf("after update:\n got %+v\nwant %+v", *got, want)
		}
		if _, err := tx.GetUserByUsername(ctx, u.Username); directory.ErrorCode(err) != directory.ENOTFOUND {
			t.Errorf("old username still found: %v", err)
		}
		return nil
	})
	// The old username and email are free again.
	again := newUser(2)
	again.Username, again.Email = u.Username, u.Email
	createUsers(t, s, again)
	err := update(t, s, func(ctx context.Context, tx directory.Tx) error {
		v := newUser(99)
		return tx.UpdateUser(ctx, &v)
	})
	wantCode(t, err, directory.ENOTFOUND)
}

func testDeleteUser(t *testing.T, s directory.Store) {
	createUsers(t, s, newUser(1), newUser(2))
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.DeleteUser(ctx, newUser(1).ID) })
	err := update(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.DeleteUser(ctx, newUser(1).ID) })
	wantCode(t, err, directory.ENOTFOUND)
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		_, err := tx.GetUser(ctx, newUser(1).ID)
		wantCode(t, err, directory.ENOTFOUND)
		us, n, err := tx.ListUsers(ctx, directory.UserFilter{})
		if err != nil || n != 1 || len(us) != 1 || us[0].ID != newUser(2).ID {
			t.Fatalf("after delete: %v %d %v", userIDs(us), n, err)
		}
		return nil
	})
	// The username can be reused.
	createUsers(t, s, newUser(1))
}

func list(t *testing.T, s directory.Store, f directory.UserFilter) ([]string, int) {
	t.Helper()
	var got []string
	var total int
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		us, n, err := tx.ListUsers(ctx, f)
		if err != nil {
			t.Fatalf("ListUsers(%+v): %v", f, err)
		}
		got, total = userIDs(us), n
		return nil
	})
	return got, total
}

func idRange(prefix string, from, to int) []string {
	var out []string
	step := 1
	if to < from {
		step = -1
	}
	for i := from; ; i += step {
		out = append(out, fmt.Sprintf("%s-%04d", prefix, i))
		if i == to {
			return out
		}
	}
}

func testListUsersPaging(t *testing.T, s directory.Store) {
	var us []directory.User
	for i := range 60 {
		us = append(us, newUser(i))
	}
	createUsers(t, s, us...)
	got, n := list(t, s, directory.UserFilter{})
	wantIDs(t, "default page", got, idRange("user", 0, 49))
	if n != 60 {
		t.Errorf("total %d, want 60", n)
	}
	got, _ = list(t, s, directory.UserFilter{Limit: -5})
	wantIDs(t, "negative limit", got, idRange("user", 0, 49))
	got, _ = list(t, s, directory.UserFilter{Offset: 55, Limit: 10})
	wantIDs(t, "last page", got, idRange("user", 55, 59))
	got, n = list(t, s, directory.UserFilter{Offset: 60})
	if len(got) != 0 || n != 60 {
		t.Errorf("past the end: %v, total %d", got, n)
	}
	got, _ = list(t, s, directory.UserFilter{Offset: -3, Limit: 2})
	wantIDs(t, "negative offset", got, idRange("user", 0, 1))
	got, _ = list(t, s, directory.UserFilter{Limit: 5000})
	if len(got) != 60 {
		t.Errorf("large limit: %d users", len(got))
	}
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		_, _, err := tx.ListUsers(ctx, directory.UserFilter{Sort: "password"})
		wantCode(t, err, directory.EINVALID)
		return nil
	})
}

func testListUsersSort(t *testing.T, s directory.Store) {
	us := []directory.User{newUser(1), newUser(2), newUser(3), newUser(4)}
	us[0].Username, us[0].Email, us[0].FirstName, us[0].LastName = "delta", "a@example.com", "zed", "Brown"
	us[1].Username, us[1].Email, us[1].FirstName, us[1].LastName = "Alpha", "d@example.com", "Yan", "adams"
	us[2].Username, us[2].Email, us[2].FirstName, us[2].LastName = "charlie", "b@example.com", "xia", "Brown"
	us[3].Username, us[3].Email, us[3].FirstName, us[3].LastName = "Bravo", "c@example.com", "Wu", "clark"
	for i := range us { // equal creation times: ties break by id
		us[i].CreatedAt = base
	}
	createUsers(t, s, us...)
	cases := []struct {
		sort directory.UserSort
		desc bool
		want []int
	}{
		{"", false, []int{2, 4, 3, 1}},
		{directory.SortUsername, true, []int{1, 3, 4, 2}},
		{directory.SortEmail, false, []int{1, 3, 4, 2}},
		{directory.SortCreated, false, []int{1, 2, 3, 4}},
		{directory.SortCreated, true, []int{4, 3, 2, 1}},
		{directory.SortLastName, false, []int{2, 1, 3, 4}},
		{directory.SortLastName, true, []int{4, 3, 1, 2}},
		{directory.SortFirstName, false, []int{4, 3, 2, 1}},
	}
	for _, c := range cases {
		var want []string
		for _, n := range c.want {
			want = append(want, newUser(n).ID)
		}
		got, _ := list(t, s, directory.UserFilter{Sort: c.sort, Desc: c.desc})
		wantIDs(t, fmt.Sprintf("sort %q desc=%v", c.sort, c.desc), got, want)
	}
}

func testListUsersFilter(t *testing.T, s directory.Store) {
	us := []directory.User{newUser(1), newUser(2), newUser(3)}
	us[1].State = directory.UserStaged
	us[2].State = directory.UserSuspended
	createUsers(t, s, us...)
	createGroups(t, s, newGroup(1))
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error {
		_, err := tx.AddMembers(ctx, newGroup(1).ID, []string{us[0].ID, us[2].ID})
		return err
	})
	got, n := list(t, s, directory.UserFilter{State: directory.UserStaged})
	wantIDs(t, "staged", got, []string{us[1].ID})
	if n != 1 {
		t.Errorf("staged total %d", n)
	}
	got, n = list(t, s, directory.UserFilter{GroupID: newGroup(1).ID})
	wantIDs(t, "group members", got, []string{us[0].ID, us[2].ID})
	if n != 2 {
		t.Errorf("group total %d", n)
	}
	got, _ = list(t, s, directory.UserFilter{GroupID: newGroup(1).ID, State: directory.UserSuspended})
	wantIDs(t, "suspended members", got, []string{us[2].ID})
	got, n = list(t, s, directory.UserFilter{GroupID: "no-such-group"})
	if len(got) != 0 || n != 0 {
		t.Errorf("unknown group: %v %d", got, n)
	}
}

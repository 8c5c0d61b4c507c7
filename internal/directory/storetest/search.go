package storetest

import (
	"context"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

func testListUsersSearch(t *testing.T, s directory.Store) {
	us := []directory.User{newUser(1), newUser(2), newUser(3), newUser(4), newUser(5)}
	set := func(i int, username, email, first, last, display string) {
		us[i].Username, us[i].Email, us[i].FirstName, us[i].LastName, us[i].DisplayName = username, email, first, last, display
	}
	set(0, "alice", "alice@wonder.example", "Alice", "Liddell", "Alice L.")
	set(1, "bob_builder", "bob@build.example", "Bob", "Builder", "Bob")
	set(2, "carol", "carol@example.org", "Carol", "Ng", "Émilie Carolé")
	set(3, "dave", "d@x.example", "Dave", "100%Sure", "Dave")
	set(4, "abc", "def@y.example", "Zed", "Zulu", "Z")
	us[2].State = directory.UserSuspended
	createUsers(t, s, us...)
	id := func(i int) string { return us[i].ID }
	cases := []struct {
		search string
		state  directory.UserState
		want   []string
	}{
		{"ALIC", "", []string{id(0)}},                                // username, case-insensitive
		{"wonder", "", []string{id(0)}},                              // email
		{"lidde", "", []string{id(0)}},                               // last name
		{"ÉMILIE", "", []string{id(2)}},                              // display name, non-ASCII case
		{"build", "", []string{id(1)}},                               // several fields of one user count once
		{"example", "", []string{id(4), id(0), id(1), id(2), id(3)}}, // sorted by username
		{"example", directory.UserSuspended, []string{id(2)}},
		{"_", "", []string{id(1)}}, // LIKE wildcards are literal
		{"%", "", []string{id(3)}},
		{"0%s", "", []string{id(3)}},
		{"l_c", "", nil},
		{"ob", "", []string{id(1)}},        // two characters
		{"z", "", []string{id(4)}},         // one character
		{"cdef", "", nil},                  // never across two attributes
		{"  Carol  ", "", []string{id(2)}}, // trimmed
		{`"quoted"`, "", nil},              // quotes are plain text
		{"no such text", "", nil},
	}
	for _, c := range cases {
		got, n := list(t, s, directory.UserFilter{Search: c.search, State: c.state})
		if !equalStrings(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("search %q state %q: got %v, want %v", c.search, c.state, got, c.want)
		}
		if n != len(c.want) {
			t.Errorf("search %q: total %d, want %d", c.search, n, len(c.want))
		}
	}
	// The index follows updates and deletes.
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error {
		u := us[0]
		u.LastName = "Kingsleigh"
		if err := tx.UpdateUser(ctx, &u); err != nil {
			return err
		}
		return tx.DeleteUser(ctx, us[1].ID)
	})
	for search, want := range map[string][]string{"lidde": nil, "kingsl": {id(0)}, "build": nil} {
		got, _ := list(t, s, directory.UserFilter{Search: search})
		if !equalStrings(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("after update, search %q: got %v, want %v", search, got, want)
		}
	}
	// Paging applies to the matches.
	got, n := list(t, s, directory.UserFilter{Search: "example", Limit: 2, Offset: 1, Sort: directory.SortUsername})
	wantIDs(t, "searched page", got, []string{id(0), id(2)})
	if n != 4 {
		t.Errorf("searched total %d, want 4", n)
	}
	got, n = list(t, s, directory.UserFilter{Search: "example", Offset: 10})
	if len(got) != 0 || n != 4 {
		t.Errorf("searched page past the end: %v, total %d, want none of 4", got, n)
	}
	got, n = list(t, s, directory.UserFilter{Search: "exa", State: directory.UserSuspended, Offset: 1})
	if len(got) != 0 || n != 1 {
		t.Errorf("filtered search past the end: %v, total %d, want none of 1", got, n)
	}
}

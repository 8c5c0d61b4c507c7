package lifecycle_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
)

func countUsers(t *testing.T, s *lifecycle.Service) int {
	t.Helper()
	var n int
	err := s.Store.View(context.Background(), func(tx directory.Tx) error {
		var err error
		_, n, err = tx.ListUsers(context.Background(), directory.UserFilter{Limit: 1})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCreateUsersBatch(t *testing.T) { backends(t, testCreateUsersBatch) }

func testCreateUsersBatch(t *testing.T, dsn string) {
	ctx := context.Background()
	s := newService(t, dsn)
	var calls [][]directory.Change
	s.Effects = append(s.Effects, func(_ context.Context, _ directory.Tx, cs []directory.Change) error {
		calls = append(calls, append([]directory.Change(nil), cs...))
		return nil
	})
	if out, err := s.CreateUsers(ctx, actor, nil); err != nil || out != nil || len(calls) != 0 {
		t.Fatalf("empty batch = %v %v, %d effect calls", out, err, len(calls))
	}
	in := []directory.User{
		{Username: " ada ", Email: "Ada@Example.com", FirstName: "Ada"},
		{Username: "bob", Email: "bob@example.com", EmployeeID: "E1", State: directory.UserStaged},
		{Username: "cy", Email: "cy@example.com", DisplayName: "Cy"},
	}
	out, err := s.CreateUsers(ctx, actor, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 || out[0].ID != "id-001" || out[0].Username != "ada" || out[0].Email != "ada@example.com" ||
		out[0].State != directory.UserActivated || out[1].State != directory.UserStaged || out[2].ID != "id-003" || out[2].CreatedAt.IsZero() {
		t.Fatalf("created %+v", out)
	}
	cs := changes(t, s)
	if kinds(cs) != "user.created,user.created,user.created" {
		t.Fatalf("changes = %+v", cs)
	}
	for i, c := range cs {
		if c.Actor != actor || c.ResourceID != out[i].ID || c.ResourceName != out[i].Username || c.ResourceType != "user" ||
			(i > 0 && c.Seq <= cs[i-1].Seq) {
			t.Fatalf("change %d = %+v", i, c)
		}
		want := directory.DiffUsers(directory.User{}, out[i])
		if fmt.Sprint(c.Fields) != fmt.Sprint(want) {
			t.Fatalf("change %d fields = %+v, want %+v", i, c.Fields, want)
		}
	}
	if len(calls) != 1 || len(calls[0]) != 3 || calls[0][2].ResourceID != out[2].ID {
		t.Fatalf("effects got %+v", calls)
	}
	for _, u := range out {
		var got *directory.User
		if err := s.Store.View(ctx, func(tx directory.Tx) error { got, err = tx.GetUser(ctx, u.ID); return err }); err != nil ||
			got.Email != u.Email || got.EmployeeID != u.EmployeeID || !got.CreatedAt.Equal(u.CreatedAt) {
			t.Fatalf("stored %+v %v, want %+v", got, err, u)
		}
	}
}

func TestCreateUsersBatchRefusals(t *testing.T) { backends(t, testCreateUsersBatchRefusals) }

func testCreateUsersBatchRefusals(t *testing.T, dsn string) {
	ctx := context.Background()
	s := newService(t, dsn)
	if _, err := s.CreateUser(ctx, actor, directory.User{Username: "bob", Email: "bob@example.com", EmployeeID: "E1"}); err != nil {
		t.Fatal(err)
	}
	ok := directory.User{Username: "carol", Email: "carol@example.com"}
	cases := []struct {
		name  string
		us    []directory.User
		code  string
		field string
	}{
		{"username taken", []directory.User{ok, {Username: "BOB", Email: "b2@example.com"}}, directory.ECONFLICT, "username"},
		{"email taken", []directory.User{ok, {Username: "b2", Email: "BOB@example.com"}}, directory.ECONFLICT, "email"},
		{"employee id taken", []directory.User{ok, {Username: "b2", Email: "b2@example.com", EmployeeID: "E1"}}, directory.ECONFLICT, "employeeIdentifier"},
		{"email twice in the batch", []directory.User{ok, {Username: "carol2", Email: "Carol@example.com"}}, directory.ECONFLICT, "email"},
		{"invalid user", []directory.User{ok, {Username: "dan"}}, directory.EINVALID, "users[1].email"},
		{"too many", make([]directory.User, lifecycle.MaxUsersPerCall+1), directory.EINVALID, "users"},
	}
	for _, c := range cases {
		_, err := s.CreateUsers(ctx, actor, c.us)
		if directory.ErrorCode(err) != c.code || len(directory.ErrorFields(err)) == 0 || directory.ErrorFields(err)[0].Field != c.field {
			t.Fatalf("%s: err = %v %+v", c.name, err, directory.ErrorFields(err))
		}
		if n := len(changes(t, s)); n != 1 {
			t.Fatalf("%s: refused batch wrote changes: %d", c.name, n)
		}
		if n := countUsers(t, s); n != 1 {
			t.Fatalf("%s: refused batch wrote users: %d", c.name, n)
		}
	}
	// An effect that fails rolls the whole batch back.
	boom := errors.New("effect failed")
	s.Effects = append(s.Effects, func(context.Context, directory.Tx, []directory.Change) error { return boom })
	if _, err := s.CreateUsers(ctx, actor, []directory.User{ok}); !errors.Is(err, boom) {
		t.Fatalf("effect error = %v", err)
	}
	if len(changes(t, s)) != 1 || countUsers(t, s) != 1 {
		t.Fatal("failed effect left the batch half-written")
	}
}

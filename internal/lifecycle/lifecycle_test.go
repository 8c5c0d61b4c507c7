package lifecycle_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

var actor = directory.Actor{Type: directory.ActorAdmin, ID: "adm", Email: "admin@example.com"}

func newService(t *testing.T, dsn string) *lifecycle.Service {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var n atomic.Int64
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	return &lifecycle.Service{
		Store:  st,
		Now:    func() time.Time { return now },
		NewID:  func() string { return fmt.Sprintf("id-%03d", n.Add(1)) },
		Hasher: auth.Hasher{Params: auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}},
	}
}

func changes(t *testing.T, s *lifecycle.Service) []directory.Change {
	t.Helper()
	var out []directory.Change
	err := s.Store.View(context.Background(), func(tx directory.Tx) error {
		var err error
		out, err = tx.ListChanges(context.Background(), directory.ChangeFilter{Limit: directory.MaxPageSize})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func kinds(cs []directory.Change) string {
	var out []string
	for _, c := range cs {
		out = append(out, string(c.Kind))
	}
	return strings.Join(out, ",")
}

func ptr[T any](v T) *T { return &v }

func TestUserLifecycle(t *testing.T) { backends(t, testUserLifecycle) }

func testUserLifecycle(t *testing.T, dsn string) {
	ctx := context.Background()
	s := newService(t, dsn)
	u, err := s.CreateUser(ctx, actor, directory.User{Username: " ada ", Email: "Ada@Example.com", FirstName: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "id-001" || u.State != directory.UserActivated || u.Email != "ada@example.com" || u.Username != "ada" {
		t.Fatalf("created %+v", u)
	}
	cs := changes(t, s)
	if len(cs) != 1 || cs[0].Kind != directory.UserCreated || cs[0].Actor != actor || cs[0].ResourceName != "ada" {
		t.Fatalf("changes = %+v", cs)
	}
	if f := cs[0].Fields; len(f) != 4 || f[0] != (directory.FieldChange{Field: "username", From: "", To: "ada"}) {
		t.Fatalf("created fields = %+v", f)
	}

	// No-op update: nothing written.
	same, err := s.UpdateUser(ctx, actor, u.ID, directory.UserUpdate{FirstName: ptr("Ada "), Email: ptr("ADA@example.com")})
	if err != nil || same.FirstName != "Ada" {
		t.Fatalf("no-op update = %+v, %v", same, err)
	}
	if n := len(changes(t, s)); n != 1 {
		t.Fatalf("no-op update wrote a change (%d changes)", n)
	}
	up, err := s.UpdateUser(ctx, actor, u.ID, directory.UserUpdate{LastName: ptr("Lovelace")})
	if err != nil || up.LastName != "Lovelace" || up.FirstName != "Ada" {
		t.Fatalf("update = %+v, %v", up, err)
	}
	cs = changes(t, s)
	if kinds(cs) != "user.created,user.updated" || len(cs[1].Fields) != 1 || cs[1].Fields[0] != (directory.FieldChange{Field: "lastname", From: "", To: "Lovelace"}) {
		t.Fatalf("changes = %+v", cs)
	}
	if _, err := s.SuspendUser(ctx, actor, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SuspendUser(ctx, actor, u.ID); err != nil {
		t.Fatal(err)
	}
	got, err := s.ActivateUser(ctx, actor, u.ID)
	if err != nil || got.State != directory.UserActivated {
		t.Fatalf("activate = %+v %v", got, err)
	}
	if k := kinds(changes(t, s)); k != "user.created,user.updated,user.updated,user.updated" {
		t.Fatalf("kinds = %s (second suspend must write nothing)", k)
	}

	// Invalid and unknown.
	_, err = s.UpdateUser(ctx, actor, u.ID, directory.UserUpdate{Email: ptr("not-an-email")})
	if directory.ErrorCode(err) != directory.EINVALID || directory.ErrorFields(err)[0].Field != "email" {
		t.Fatalf("bad email err = %v", err)
	}
	if _, err := s.UpdateUser(ctx, actor, "nope", directory.UserUpdate{}); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Fatalf("unknown id err = %v", err)
	}
	if err := s.DeleteUser(ctx, actor, "nope"); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Fatalf("delete unknown err = %v", err)
	}
	if n := len(changes(t, s)); n != 4 {
		t.Fatalf("refused calls wrote changes: %d", n)
	}
}

func TestCreateUserRefusals(t *testing.T) { backends(t, testCreateUserRefusals) }

func testCreateUserRefusals(t *testing.T, dsn string) {
	ctx := context.Background()
	s := newService(t, dsn)
	if _, err := s.CreateUser(ctx, actor, directory.User{Username: "bob", Email: "bob@example.com"}); err != nil {
		t.Fatal(err)
	}
	_, err := s.CreateUser(ctx, actor, directory.User{Username: "BOB", Email: "other@example.com"})
	if directory.ErrorCode(err) != directory.ECONFLICT || directory.ErrorFields(err)[0].Field != "username" {
		t.Fatalf("dup username err = %v", err)
	}
	_, err = s.CreateUser(ctx, actor, directory.User{Username: "bob2", Email: "BOB@example.com"})
	if directory.ErrorCode(err) != directory.ECONFLICT || directory.ErrorFields(err)[0].Field != "email" {
		t.Fatalf("dup email err = %v", err)
	}
	_, err = s.CreateUser(ctx, actor, directory.User{})
	if directory.ErrorCode(err) != directory.EINVALID || len(directory.ErrorFields(err)) != 2 {
		t.Fatalf("empty user err = %v", err)
	}
	if n := len(changes(t, s)); n != 1 {
		t.Fatalf("refused creates wrote changes: %d", n)
	}
}

func TestGroupsAndMembers(t *testing.T) { backends(t, testGroupsAndMembers) }

func testGroupsAndMembers(t *testing.T, dsn string) {
	ctx := context.Background()
	s := newService(t, dsn)
	a, _ := s.CreateUser(ctx, actor, directory.User{Username: "a", Email: "a@example.com"})
	b, _ := s.CreateUser(ctx, actor, directory.User{Username: "b", Email: "b@example.com"})
	g, err := s.CreateGroup(ctx, actor, directory.Group{Name: " Engineering ", Description: "builds"})
	if err != nil || g.Name != "Engineering" {
		t.Fatalf("create group = %+v %v", g, err)
	}
	if _, err := s.CreateGroup(ctx, actor, directory.Group{Name: "engineering"}); directory.ErrorCode(err) != directory.ECONFLICT {
		t.Fatalf("dup group err = %v", err)
	}
	if _, err := s.CreateGroup(ctx, actor, directory.Group{}); directory.ErrorCode(err) != directory.EINVALID {
		t.Fatalf("empty group err = %v", err)
	}
	added, err := s.AddMembers(ctx, actor, g.ID, []string{a.ID, b.ID, a.ID})
	if err != nil || len(added) != 2 {
		t.Fatalf("add = %v %v", added, err)
	}
	again, err := s.AddMembers(ctx, actor, g.ID, []string{a.ID})
	if err != nil || len(again) != 0 {
		t.Fatalf("re-add = %v %v", again, err)
	}
	before := len(changes(t, s))
	if _, err := s.AddMembers(ctx, actor, g.ID, []string{"ghost"}); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Fatalf("unknown user err = %v", err)
	}
	if _, err := s.AddMembers(ctx, actor, "nogroup", []string{a.ID}); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Fatalf("unknown group err = %v", err)
	}
	if _, err := s.AddMembers(ctx, actor, g.ID, nil); directory.ErrorCode(err) != directory.EINVALID {
		t.Fatalf("no ids err = %v", err)
	}
	if len(changes(t, s)) != before {
		t.Fatal("refused member changes were written")
	}
	removed, err := s.RemoveMembers(ctx, actor, g.ID, []string{b.ID, "ghost"})
	if err != nil || len(removed) != 1 || removed[0] != b.ID {
		t.Fatalf("remove = %v %v", removed, err)
	}
	if _, err := s.UpdateGroup(ctx, actor, g.ID, directory.GroupUpdate{Description: ptr("builds")}); err != nil {
		t.Fatal(err)
	}
	up, err := s.UpdateGroup(ctx, actor, g.ID, directory.GroupUpdate{Name: ptr("Eng")})
	if err != nil || up.Name != "Eng" || up.Description != "builds" {
		t.Fatalf("update group = %+v %v", up, err)
	}
	if err := s.DeleteUser(ctx, actor, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteGroup(ctx, actor, g.ID); err != nil {
		t.Fatal(err)
	}
	cs := changes(t, s)
	want := "user.created,user.created,group.created,group.member_added,group.member_added,group.member_removed,group.updated,group.member_removed,user.deleted,group.deleted"
	if k := kinds(cs); k != want {
		t.Fatalf("kinds =\n%s\nwant\n%s", k, want)
	}
	if cs[3].RelatedID != a.ID || cs[3].ResourceID != g.ID || cs[3].ResourceName != "Engineering" {
		t.Fatalf("member change = %+v", cs[3])
	}
}

func TestEffectsRunInTheTransaction(t *testing.T) { backends(t, testEffectsRunInTheTransaction) }

func testEffectsRunInTheTransaction(t *testing.T, dsn string) {
	ctx := context.Background()
	s := newService(t, dsn)
	var seen []directory.Change
	s.Effects = []lifecycle.Effect{func(ctx context.Context, tx directory.Tx, cs []directory.Change) error {
		// The mutation is visible inside the same transaction.
		if cs[0].Kind == directory.UserCreated {
			if _, err := tx.GetUser(ctx, cs[0].ResourceID); err != nil {
				return err
			}
		}
		seen = append(seen, cs...)
		if cs[0].ResourceName == "boom" {
			return errors.New("effect failed")
		}
		return nil
	}}
	if _, err := s.CreateUser(ctx, actor, directory.User{Username: "ok", Email: "ok@example.com"}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0].Seq == 0 {
		t.Fatalf("effect saw %+v (want one change with its Seq set)", seen)
	}
	if _, err := s.CreateUser(ctx, actor, directory.User{Username: "boom", Email: "boom@example.com"}); err == nil {
		t.Fatal("failing effect did not fail the call")
	}
	err := s.Store.View(ctx, func(tx directory.Tx) error {
		_, err := tx.GetUserByUsername(ctx, "boom")
		return err
	})
	if directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Fatalf("user of a failed effect was committed: %v", err)
	}
	if n := len(changes(t, s)); n != 1 {
		t.Fatalf("changes = %d, want 1", n)
	}
	// A no-op writes no change and runs no effect.
	seen = nil
	u, _ := s.CreateUser(ctx, actor, directory.User{Username: "quiet", Email: "quiet@example.com"})
	seen = nil
	if _, err := s.UpdateUser(ctx, actor, u.ID, directory.UserUpdate{Username: ptr("quiet")}); err != nil || seen != nil {
		t.Fatalf("no-op ran effects: %v %v", seen, err)
	}
}

func TestAdminsAndKeys(t *testing.T) { backends(t, testAdminsAndKeys) }

func testAdminsAndKeys(t *testing.T, dsn string) {
	ctx := context.Background()
	s := newService(t, dsn)
	pw, err := s.GeneratePassword()
	if err != nil || len(pw) != 20 {
		t.Fatalf("password = %q %v", pw, err)
	}
	a, created, err := s.EnsureAdmin(ctx, lifecycle.NewAdmin{Email: "Admin@Example.com", Name: "Admin", Password: pw})
	if err != nil || !created || a.Role != directory.RoleAdmin || a.Email != "admin@example.com" {
		t.Fatalf("ensure = %+v %v %v", a, created, err)
	}
	a2, created, err := s.EnsureAdmin(ctx, lifecycle.NewAdmin{Email: "admin@example.com", Password: "another password"})
	if err != nil || created || a2.ID != a.ID {
		t.Fatalf("second ensure = %+v %v %v", a2, created, err)
	}
	if _, err := s.CreateAdmin(ctx, lifecycle.NewAdmin{Email: "admin@example.com"}); directory.ErrorCode(err) != directory.ECONFLICT {
		t.Fatalf("dup admin err = %v", err)
	}
	if _, err := s.CreateAdmin(ctx, lifecycle.NewAdmin{Email: "x@example.com", Password: "short"}); directory.ErrorCode(err) != directory.EINVALID {
		t.Fatalf("short password err = %v", err)
	}
	if _, err := s.CreateAdmin(ctx, lifecycle.NewAdmin{Email: "x@example.com", Role: "root"}); directory.ErrorCode(err) != directory.EINVALID {
		t.Fatalf("bad role err = %v", err)
	}
	if _, err := s.VerifyAdminPassword(ctx, "admin@example.com", pw); err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifyAdminPassword(ctx, "admin@example.com", pw+"x"); directory.ErrorCode(err) != directory.EUNAUTHORIZED {
		t.Fatalf("wrong password err = %v", err)
	}
	if _, err := s.VerifyAdminPassword(ctx, "nobody@example.com", pw); directory.ErrorCode(err) != directory.EUNAUTHORIZED {
		t.Fatalf("unknown admin err = %v", err)
	}
	// Changing the parameters upgrades the stored hash at the next login.
	s.Hasher.Params.Memory = 128
	if _, err := s.VerifyAdminPassword(ctx, "admin@example.com", pw); err != nil {
		t.Fatal(err)
	}
	s.Store.View(ctx, func(tx directory.Tx) error {
		got, _ := tx.GetAdmin(ctx, a.ID)
		if !strings.Contains(got.PasswordHash, "m=128,") {
			t.Errorf("hash not upgraded: %s", got.PasswordHash)
		}
		return nil
	})

	token, k, err := s.CreateAPIKey(ctx, a.ID, "cli", nil)
	if err != nil {
		t.Fatal(err)
	}
	authn := &auth.Authenticator{Store: s.Store, Now: s.Now}
	p, err := authn.AuthenticateAPIKey(ctx, token)
	if err != nil || p.Admin.ID != a.ID || !p.CanWrite() {
		t.Fatalf("authenticate = %+v %v", p, err)
	}
	if _, _, err := s.CreateAPIKey(ctx, "nobody", "cli", nil); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Fatalf("key for unknown admin err = %v", err)
	}
	if err := s.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := authn.AuthenticateAPIKey(ctx, token); directory.ErrorCode(err) != directory.EUNAUTHORIZED {
		t.Fatalf("revoked key err = %v", err)
	}
}

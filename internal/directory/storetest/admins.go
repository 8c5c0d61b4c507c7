package storetest

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

func change(n int, kind directory.ChangeKind, typ, id string) directory.Change {
	return directory.Change{
		At:           base.Add(time.Duration(n) * time.Millisecond),
		Actor:        directory.Actor{Type: directory.ActorAdmin, ID: "admin-1", Email: "root@example.com"},
		Kind:         kind,
		ResourceType: typ,
		ResourceID:   id,
		ResourceName: fmt.Sprintf("name-%d", n),
	}
}

func testChanges(t *testing.T, s directory.Store) {
	first := []directory.Change{change(1, directory.UserCreated, "user", "u1"), change(2, directory.GroupCreated, "group", "g1")}
	first[0].Fields = []directory.FieldChange{{Field: "email", From: "", To: "a@example.com"}, {Field: "state", From: "staged", To: "activated"}}
	first[1].RelatedID = "u1"
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.AppendChanges(ctx, first) })
	if first[0].Seq <= 0 || first[1].Seq <= first[0].Seq {
		t.Fatalf("seqs %d, %d: want positive and increasing", first[0].Seq, first[1].Seq)
	}
	second := []directory.Change{change(3, directory.UserUpdated, "user", "u1"), change(4, directory.UserDeleted, "user", "u2")}
	second[1].Actor = directory.SystemActor
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.AppendChanges(ctx, second) })
	if second[0].Seq <= first[1].Seq || second[1].Seq <= second[0].Seq {
		t.Fatalf("later seqs %d, %d not after %d", second[0].Seq, second[1].Seq, first[1].Seq)
	}
	all := append(append([]directory.Change{}, first...), second...)
	for i := range all {
		all[i].At = stored(all[i].At)
	}
	listC := func(f directory.ChangeFilter) []directory.Change {
		var out []directory.Change
		mustView(t, s, func(ctx context.Context, tx directory.Tx) (err error) {
			out, err = tx.ListChanges(ctx, f)
			return err
		})
		return out
	}
	if got := listC(directory.ChangeFilter{}); !reflect.DeepEqual(got, all) {
		t.Fatalf("ListChanges:\n got %+v\nwant %+v", got, all)
	}
	if got := listC(directory.ChangeFilter{AfterSeq: first[1].Seq}); !reflect.DeepEqual(got, all[2:]) {
		t.Errorf("AfterSeq: got %+v", got)
	}
	if got := listC(directory.ChangeFilter{ResourceType: "user", ResourceID: "u1"}); !reflect.DeepEqual(got, []directory.Change{all[0], all[2]}) {
		t.Errorf("by resource: got %+v", got)
	}
	if got := listC(directory.ChangeFilter{ResourceType: "group"}); !reflect.DeepEqual(got, []directory.Change{all[1]}) {
		t.Errorf("by type: got %+v", got)
	}
	if got := listC(directory.ChangeFilter{Limit: 3}); !reflect.DeepEqual(got, all[:3]) {
		t.Errorf("limit: got %d changes", len(got))
	}
	if got := listC(directory.ChangeFilter{AfterSeq: second[1].Seq}); len(got) != 0 {
		t.Errorf("after the last: %+v", got)
	}
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.AppendChanges(ctx, nil) })
}

func testAdmins(t *testing.T, s directory.Store) {
	a := directory.Admin{ID: "admin-1", Email: "zoe@example.com", Name: "Zoe", Role: directory.RoleAdmin,
		PasswordHash: "$argon2id$v=19$...", TOTPSecret: "sealed", CreatedAt: base, UpdatedAt: base}
	b := directory.Admin{ID: "admin-2", Email: "amy@example.com", Name: "Amy", Role: directory.RoleReadOnly, CreatedAt: base, UpdatedAt: base}
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error {
		if err := tx.CreateAdmin(ctx, &a); err != nil {
			return err
		}
		return tx.CreateAdmin(ctx, &b)
	})
	want := a
	want.CreatedAt, want.UpdatedAt = stored(a.CreatedAt), stored(a.UpdatedAt)
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		got, err := tx.GetAdmin(ctx, a.ID)
		if err != nil || *got != want {
			t.Fatalf("GetAdmin: %+v, %v", got, err)
		}
		got, err = tx.GetAdminByEmail(ctx, "ZOE@example.COM")
		if err != nil || got.ID != a.ID {
			t.Fatalf("GetAdminByEmail: %+v, %v", got, err)
		}
		_, err = tx.GetAdmin(ctx, "nope")
		wantCode(t, err, directory.ENOTFOUND)
		_, err = tx.GetAdminByEmail(ctx, "nope@example.com")
		wantCode(t, err, directory.ENOTFOUND)
		as, err := tx.ListAdmins(ctx)
		if err != nil || len(as) != 2 || as[0].ID != b.ID || as[1].ID != a.ID {
			t.Fatalf("ListAdmins: %+v, %v", as, err)
		}
		return nil
	})
	dup := directory.Admin{ID: "admin-3", Email: "Zoe@Example.com", Role: directory.RoleAdmin, CreatedAt: base, UpdatedAt: base}
	err := update(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.CreateAdmin(ctx, &dup) })
	wantConflict(t, err, "email")
	next := a
	next.Name, next.Role, next.TOTPSecret, next.UpdatedAt = "Zoë", directory.RoleReadOnly, "", base.Add(time.Hour)
	next.CreatedAt = base.Add(-time.Hour) // ignored
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.UpdateAdmin(ctx, &next) })
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		got, err := tx.GetAdmin(ctx, a.ID)
		if err != nil || got.Name != "Zoë" || got.Role != directory.RoleReadOnly || got.TOTPSecret != "" ||
			got.UpdatedAt != stored(next.UpdatedAt) || got.CreatedAt != stored(a.CreatedAt) {
			t.Fatalf("after UpdateAdmin: %+v, %v", got, err)
		}
		return nil
	})
	err = update(t, s, func(ctx context.Context, tx directory.Tx) error {
		c := b
		c.Email = "ZOE@example.com"
		return tx.UpdateAdmin(ctx, &c)
	})
	wantConflict(t, err, "email")
	err = update(t, s, func(ctx context.Context, tx directory.Tx) error {
		c := b
		c.ID = "nope"
		return tx.UpdateAdmin(ctx, &c)
	})
	wantCode(t, err, directory.ENOTFOUND)
}

func testAPIKeys(t *testing.T, s directory.Store) {
	a := directory.Admin{ID: "admin-1", Email: "a@example.com", Role: directory.RoleAdmin, CreatedAt: base, UpdatedAt: base}
	exp := base.Add(90 * 24 * time.Hour)
	k1 := directory.APIKey{ID: "key-1", AdminID: a.ID, Name: "ci", Prefix: "jg_aaaa", SecretHash: []byte{0, 1, 2, 255}, CreatedAt: base, ExpiresAt: &exp}
	k2 := directory.APIKey{ID: "key-2", AdminID: a.ID, Name: "cli", Prefix: "jg_bbbb", SecretHash: []byte("hash"), CreatedAt: base.Add(time.Minute)}
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error {
		if err := tx.CreateAdmin(ctx, &a); err != nil {
			return err
		}
		if err := tx.CreateAPIKey(ctx, &k1); err != nil {
			return err
		}
		return tx.CreateAPIKey(ctx, &k2)
	})
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		got, err := tx.GetAPIKeyByPrefix(ctx, "jg_aaaa")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != k1.ID || got.AdminID != a.ID || got.Name != "ci" || !bytes.Equal(got.SecretHash, k1.SecretHash) ||
			got.CreatedAt != stored(base) || got.ExpiresAt == nil || *got.ExpiresAt != stored(exp) ||
			got.LastUsedAt != nil || got.RevokedAt != nil {
			t.Errorf("GetAPIKeyByPrefix: %+v", got)
		}
		_, err = tx.GetAPIKeyByPrefix(ctx, "jg_zzzz")
		wantCode(t, err, directory.ENOTFOUND)
		ks, err := tx.ListAPIKeys(ctx, a.ID)
		if err != nil || len(ks) != 2 || ks[0].ID != k2.ID || ks[1].ID != k1.ID {
			t.Errorf("ListAPIKeys newest first: %+v, %v", ks, err)
		}
		ks, err = tx.ListAPIKeys(ctx, "nobody")
		if err != nil || len(ks) != 0 {
			t.Errorf("ListAPIKeys of nobody: %+v, %v", ks, err)
		}
		return nil
	})
	dup := k2
	dup.ID = "key-3"
	err := update(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.CreateAPIKey(ctx, &dup) })
	wantCode(t, err, directory.ECONFLICT)
	used, revoked := base.Add(2*time.Hour+time.Nanosecond*1500), base.Add(3*time.Hour)
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error {
		if err := tx.TouchAPIKey(ctx, k1.ID, used); err != nil {
			return err
		}
		return tx.RevokeAPIKey(ctx, k1.ID, revoked)
	})
	err = update(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.RevokeAPIKey(ctx, "nope", revoked) })
	wantCode(t, err, directory.ENOTFOUND)
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		got, err := tx.GetAPIKeyByPrefix(ctx, "jg_aaaa")
		if err != nil {
			t.Fatal(err)
		}
		if got.LastUsedAt == nil || *got.LastUsedAt != stored(used) || got.RevokedAt == nil || *got.RevokedAt != stored(revoked) {
			t.Errorf("after touch and revoke: %+v", got)
		}
		return nil
	})
}

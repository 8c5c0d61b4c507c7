package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// cheapHasher keeps the demo users' passwords fast to hash in tests.
var cheapHasher = auth.Hasher{Params: auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}

// TestDemoSetupKeepsData runs DemoSetup with quipsim three times on one
// directory: the first run makes the demo data, the second keeps it and
// makes nothing, and --reset starts from scratch.
func TestDemoSetupKeepsData(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	o := DemoOptions{DataDir: dir, QuipsimAddr: "127.0.0.1:0", Hasher: cheapHasher}
	d, err := DemoSetup(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	// 3 users, 2 groups, the quipsim company.
	if !d.FirstRun || d.Created != 6 || len(d.Users) != 3 || d.Quip == nil || d.QuipCompany.Name != "acme" {
		t.Fatalf("first run: created %d, users %d, company %+v", d.Created, len(d.Users), d.QuipCompany)
	}
	counts := func(d *Demo) (users, groups int, members map[string]int) {
		t.Helper()
		members = map[string]int{}
		err := d.Store.View(ctx, func(tx directory.Tx) error {
			us, n, err := tx.ListUsers(ctx, directory.UserFilter{Limit: 100})
			if err != nil {
				return err
			}
			users = n
			for _, u := range us {
				if u.State != directory.UserActivated {
					t.Errorf("%s is %s", u.Username, u.State)
				}
			}
			gs, n, err := tx.ListGroups(ctx, directory.GroupFilter{Limit: 100})
			groups = n
			for _, g := range gs {
				members[g.Name] = g.MemberCount
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return users, groups, members
	}
	u, g, m := counts(d)
	if u != 3 || g != 2 || m["Quip Users"] != 2 || m["Engineering"] != 2 {
		t.Fatalf("first run: %d users, %d groups, members %v", u, g, m)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	assertMode(t, filepath.Join(dir, "master.key"), 0o600)

	d, err = DemoSetup(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if d.FirstRun || d.Created != 0 || len(d.Users) != 3 {
		t.Fatalf("second run: first %v, created %d", d.FirstRun, d.Created)
	}
	if u, g, m2 := counts(d); u != 3 || g != 2 || m2["Quip Users"] != 2 || m2["Engineering"] != 2 {
		t.Fatalf("second run: %d users, %d groups, members %v", u, g, m2)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	o.Reset = true
	d, err = DemoSetup(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if !d.FirstRun || d.Created != 6 {
		t.Fatalf("reset run: first %v, created %d", d.FirstRun, d.Created)
	}
}

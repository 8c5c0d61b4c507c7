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

// appTests are the conformance tests of directory.Apps; Run runs them.
var appTests = []struct {
	name string
	fn   func(t *testing.T, s directory.Store)
}{
	{"Apps", testApps},
	{"AppListAndSearch", testAppList},
	{"AppSSO", testAppSSO},
	{"AppImage", testAppImage},
	{"AppKeys", testAppKeys},
	{"AppBindings", testAppBindings},
	{"DeleteAppsAllOrNothing", testDeleteAppsAllOrNothing},
}

func newApp(n int) directory.App {
	at := base.Add(time.Duration(n) * time.Second)
	return directory.App{
		ID: fmt.Sprintf("app-%04d", n), Slug: fmt.Sprintf("app-%d", n), TemplateID: "custom-saml",
		Label: fmt.Sprintf("App %04d", n), Description: "an app", ShowInPortal: true,
		IdPURL: fmt.Sprintf("https://sso.example.com/saml2/app-%d", n), SSOActive: true, CreatedAt: at, UpdatedAt: at,
	}
}

func normApp(a directory.App) directory.App {
	a.CreatedAt, a.UpdatedAt = stored(a.CreatedAt), stored(a.UpdatedAt)
	return a
}

func createApps(t *testing.T, s directory.Store, as ...directory.App) {
	t.Helper()
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error {
		for i := range as {
			if err := tx.CreateApp(ctx, &as[i], nil); err != nil {
				return err
			}
		}
		return nil
	})
}

func testApps(t *testing.T, s directory.Store) {
	a := newApp(1)
	a.ShowInPortal = false
	createApps(t, s, a)
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		got, err := tx.GetApp(ctx, a.ID)
		if err != nil || *got != normApp(a) {
			t.Fatalf("GetApp: %+v, %v", got, err)
		}
		got, err = tx.GetAppBySlug(ctx, a.Slug)
		if err != nil || got.ID != a.ID {
			t.Fatalf("GetAppBySlug: %+v, %v", got, err)
		}
		_, err = tx.GetApp(ctx, "nope")
		wantCode(t, err, directory.ENOTFOUND)
		_, err = tx.GetAppBySlug(ctx, "nope")
		wantCode(t, err, directory.ENOTFOUND)
		sso, err := tx.GetAppSSO(ctx, a.ID)
		if err != nil || sso.IdPEntityID != a.IdPURL || sso.NameIDFormat != directory.NameIDEmailAddress || len(sso.ACSURLs) != 0 {
			t.Fatalf("default SSO: %+v, %v", sso, err)
		}
		return nil
	})
	dup := newApp(2)
	dup.Slug = a.Slug
	err := update(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.CreateApp(ctx, &dup, nil) })
	wantCode(t, err, directory.ECONFLICT)
	if f := directory.ErrorFields(err); len(f) != 1 || f[0].Field != "slug" {
		t.Fatalf("slug conflict fields = %+v", f)
	}

	next := a
	next.Label, next.Description, next.ShowInPortal, next.BookmarkURL, next.SSOActive = "Renamed", "new", true, "https://x.example.com/", false
	next.Slug, next.IdPURL, next.TemplateID = "changed", "https://evil.example.com/", "bookmark" // ignored
	next.UpdatedAt = a.UpdatedAt.Add(time.Minute)
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.UpdateApp(ctx, &next) })
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		got, err := tx.GetApp(ctx, a.ID)
		want := normApp(a)
		want.Label, want.Description, want.ShowInPortal, want.BookmarkURL, want.SSOActive = "Renamed", "new", true, "https://x.example.com/", false
		want.UpdatedAt = stored(next.UpdatedAt)
		if err != nil || *got != want || next != want {
			t.Fatalf("after update: %+v, %v (returned %+v)", got, err, next)
		}
		return nil
	})
	err = update(t, s, func(ctx context.Context, tx directory.Tx) error {
		x := newApp(9)
		return tx.UpdateApp(ctx, &x)
	})
	wantCode(t, err, directory.ENOTFOUND)
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.DeleteApps(ctx, []string{a.ID}) })
	err = update(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.DeleteApps(ctx, []string{a.ID}) })
	wantCode(t, err, directory.ENOTFOUND)
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		_, err := tx.GetAppSSO(ctx, a.ID)
		wantCode(t, err, directory.ENOTFOUND)
		return nil
	})
}

func testAppList(t *testing.T, s directory.Store) {
	var as []directory.App
	for i := 1; i <= 5; i++ {
		a := newApp(i)
		a.Label = fmt.Sprintf("%c app", 'E'-rune(i-1)) // E, D, C, B, A
		as = append(as, a)
	}
	as[2].Label, as[2].TemplateID = "Quip (Sales)", "quip"
	createApps(t, s, as...)
	g := newGroup(1)
	createGroups(t, s, g)
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error {
		_, err := tx.BindGroups(ctx, as[0].ID, []string{g.ID})
		return err
	})
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		got, total, err := tx.ListApps(ctx, directory.AppFilter{Limit: 2, Offset: 1})
		if err != nil || total != 5 || len(got) != 2 || got[0].Label != "B app" || got[1].Label != "D app" {
			t.Fatalf("page: %v %d %v", got, total, err)
		}
		for _, q := range []string{"QUIP", "sales", "quip (s", "Ui"} {
			got, total, err = tx.ListApps(ctx, directory.AppFilter{Search: q})
			if err != nil || total != 1 || got[0].ID != as[2].ID {
				t.Fatalf("search %q: %v %d %v", q, got, total, err)
			}
		}
		got, total, err = tx.ListApps(ctx, directory.AppFilter{Search: "100%"})
		if err != nil || total != 0 || len(got) != 0 {
			t.Fatalf("search 100%%: %v %d %v", got, total, err)
		}
		got, total, err = tx.ListApps(ctx, directory.AppFilter{GroupID: g.ID})
		if err != nil || total != 1 || got[0].ID != as[0].ID {
			t.Fatalf("by group: %v %d %v", got, total, err)
		}
		return nil
	})
}

func testAppSSO(t *testing.T, s directory.Store) {
	a := newApp(1)
	createApps(t, s, a)
	sso := directory.AppSSO{
		IdPEntityID: "urn:idp", SPEntityID: "https://SP.example.com", ACSURLs: []string{"https://sp.example.com/acs", "https://sp.example.com/acs2"},
		SPCertificate: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", NameIDAttribute: "username",
		NameIDFormat: directory.NameIDPersistent, SignatureAlgorithm: directory.SigRSASHA1, Sign: directory.SignBoth,
		DefaultRelayState: "/home", GroupsAttribute: "memberOf", UpdatedAt: base,
		Attributes: []directory.AttributeStatement{
			{Name: "email", Source: directory.AttributeSource{Attribute: "email"}, Enabled: true, JITRequired: true},
			{Name: "team", Source: directory.AttributeSource{Constant: "blue"}, Enabled: false},
		},
	}
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.PutAppSSO(ctx, a.ID, &sso) })
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		got, err := tx.GetAppSSO(ctx, a.ID)
		want := sso
		want.UpdatedAt = stored(base)
		if err != nil || !reflect.DeepEqual(*got, want) {
			t.Fatalf("GetAppSSO: %+v, %v", got, err)
		}
		return nil
	})
	sso.Attributes, sso.ACSURLs = nil, nil
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.PutAppSSO(ctx, a.ID, &sso) })
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		got, err := tx.GetAppSSO(ctx, a.ID)
		if err != nil || len(got.Attributes) != 0 || len(got.ACSURLs) != 0 || got.Attributes == nil || got.ACSURLs == nil {
			t.Fatalf("cleared: %+v, %v", got, err)
		}
		return nil
	})
	err := update(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.PutAppSSO(ctx, "nope", &sso) })
	wantCode(t, err, directory.ENOTFOUND)
}

func testAppImage(t *testing.T, s directory.Store) {
	a := newApp(1)
	createApps(t, s, a)
	data := []byte("\x89PNG\r\n\x1a\n\x00\x01\x02\xff")
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		_, err := tx.GetAppImage(ctx, a.ID)
		wantCode(t, err, directory.ENOTFOUND)
		return nil
	})
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error {
		return tx.SetAppImage(ctx, a.ID, &directory.AppImage{ContentType: directory.ImagePNG, Data: data})
	})
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		img, err := tx.GetAppImage(ctx, a.ID)
		if err != nil || img.ContentType != directory.ImagePNG || !bytes.Equal(img.Data, data) {
			t.Fatalf("GetAppImage: %+v, %v", img, err)
		}
		got, _ := tx.GetApp(ctx, a.ID)
		if got.ImageType != directory.ImagePNG {
			t.Fatalf("image type = %q", got.ImageType)
		}
		return nil
	})
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.SetAppImage(ctx, a.ID, nil) })
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		_, err := tx.GetAppImage(ctx, a.ID)
		wantCode(t, err, directory.ENOTFOUND)
		got, _ := tx.GetApp(ctx, a.ID)
		if got.ImageType != "" {
			t.Fatalf("image type after removal = %q", got.ImageType)
		}
		return nil
	})
	err := update(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.SetAppImage(ctx, "nope", nil) })
	wantCode(t, err, directory.ENOTFOUND)
}

func testAppKeys(t *testing.T, s directory.Store) {
	a := newApp(1)
	createApps(t, s, a)
	k := func(id string, st directory.KeyStatus, n int) directory.AppKey {
		at := base.Add(time.Duration(n) * time.Hour)
		return directory.AppKey{ID: id, AppID: a.ID, Status: st, Algorithm: "rsa2048", CertificatePEM: "cert-" + id,
			SealedKey: "v1:sealed:" + id, NotBefore: at, NotAfter: at.Add(24 * time.Hour), CreatedAt: at}
	}
	k1, k2, k3 := k("key-1", directory.KeyRetired, 1), k("key-2", directory.KeyActive, 2), k("key-3", directory.KeyNext, 3)
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error {
		for _, x := range []directory.AppKey{k1, k2, k3} {
			if err := tx.CreateAppKey(ctx, &x); err != nil {
				return err
			}
		}
		return nil
	})
	err := update(t, s, func(ctx context.Context, tx directory.Tx) error {
		x := k("key-4", directory.KeyActive, 4)
		return tx.CreateAppKey(ctx, &x)
	})
	wantCode(t, err, directory.ECONFLICT) // one active key per app
	err = update(t, s, func(ctx context.Context, tx directory.Tx) error {
		x := k("key-5", directory.KeyActive, 5)
		x.AppID = "nope"
		return tx.CreateAppKey(ctx, &x)
	})
	wantCode(t, err, directory.ENOTFOUND)
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		ks, err := tx.ListAppKeys(ctx, a.ID)
		if err != nil || len(ks) != 3 || ks[0].ID != "key-2" || ks[1].ID != "key-3" || ks[2].ID != "key-1" {
			t.Fatalf("ListAppKeys: %+v, %v", ks, err)
		}
		want := k2
		want.NotBefore, want.NotAfter, want.CreatedAt = stored(k2.NotBefore), stored(k2.NotAfter), stored(k2.CreatedAt)
		if ks[0] != want {
			t.Fatalf("key = %+v, want %+v", ks[0], want)
		}
		return nil
	})
	// Rotation: active -> retired, next -> active, in one transaction.
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error {
		if err := tx.SetAppKeyStatus(ctx, a.ID, "key-2", directory.KeyRetired); err != nil {
			return err
		}
		return tx.SetAppKeyStatus(ctx, a.ID, "key-3", directory.KeyActive)
	})
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.DeleteAppKey(ctx, a.ID, "key-1") })
	err = update(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.DeleteAppKey(ctx, a.ID, "key-1") })
	wantCode(t, err, directory.ENOTFOUND)
	err = update(t, s, func(ctx context.Context, tx directory.Tx) error {
		return tx.SetAppKeyStatus(ctx, "other", "key-2", directory.KeyActive)
	})
	wantCode(t, err, directory.ENOTFOUND)
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		ks, err := tx.ListAppKeys(ctx, a.ID)
		if err != nil || len(ks) != 2 || ks[0].ID != "key-3" || ks[0].Status != directory.KeyActive || ks[1].Status != directory.KeyRetired {
			t.Fatalf("after rotation: %+v, %v", ks, err)
		}
		return nil
	})
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.DeleteApps(ctx, []string{a.ID}) })
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		ks, err := tx.ListAppKeys(ctx, a.ID)
		if err != nil || len(ks) != 0 {
			t.Fatalf("keys after app deletion: %+v, %v", ks, err)
		}
		return nil
	})
}

func testAppBindings(t *testing.T, s directory.Store) {
	a1, a2 := newApp(1), newApp(2)
	createApps(t, s, a1, a2)
	g1, g2, g3 := newGroup(1), newGroup(2), newGroup(3)
	createGroups(t, s, g1, g2, g3)
	u1, u2 := newUser(1), newUser(2)
	createUsers(t, s, u1, u2)
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error {
		_, err := tx.AddMembers(ctx, g1.ID, []string{u1.ID})
		return err
	})
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error {
		added, err := tx.BindGroups(ctx, a1.ID, []string{g2.ID, g1.ID, g2.ID})
		if err != nil || !reflect.DeepEqual(added, []string{g2.ID, g1.ID}) {
			t.Fatalf("BindGroups: %v, %v", added, err)
		}
		added, err = tx.BindGroups(ctx, a1.ID, []string{g1.ID})
		if err != nil || len(added) != 0 || added == nil {
			t.Fatalf("BindGroups again: %#v, %v", added, err)
		}
		_, err = tx.BindGroups(ctx, a2.ID, []string{g1.ID})
		return err
	})
	err := update(t, s, func(ctx context.Context, tx directory.Tx) error {
		_, err := tx.BindGroups(ctx, a2.ID, []string{g3.ID, "nope"})
		return err
	})
	wantCode(t, err, directory.ENOTFOUND)
	err = update(t, s, func(ctx context.Context, tx directory.Tx) error {
		_, err := tx.BindGroups(ctx, "nope", []string{g3.ID})
		return err
	})
	wantCode(t, err, directory.ENOTFOUND)
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		ids, err := tx.AppGroupIDs(ctx, a1.ID)
		if err != nil || !reflect.DeepEqual(ids, []string{g1.ID, g2.ID}) {
			t.Fatalf("AppGroupIDs: %v, %v", ids, err)
		}
		ids, err = tx.AppGroupIDs(ctx, a2.ID)
		if err != nil || !reflect.DeepEqual(ids, []string{g1.ID}) {
			t.Fatalf("AppGroupIDs(a2) = %v, %v (the failed bind must bind nothing)", ids, err)
		}
		ids, err = tx.GroupAppIDs(ctx, g1.ID)
		if err != nil || !reflect.DeepEqual(ids, []string{a1.ID, a2.ID}) {
			t.Fatalf("GroupAppIDs: %v, %v", ids, err)
		}
		for _, c := range []struct {
			user, app string
			want      bool
		}{{u1.ID, a1.ID, true}, {u2.ID, a1.ID, false}, {u1.ID, "nope", false}} {
			if ok, err := tx.UserInAppGroups(ctx, c.user, c.app); err != nil || ok != c.want {
				t.Fatalf("UserInAppGroups(%s, %s) = %v, %v", c.user, c.app, ok, err)
			}
		}
		return nil
	})
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error {
		removed, err := tx.UnbindGroups(ctx, a1.ID, []string{g1.ID, g3.ID})
		if err != nil || !reflect.DeepEqual(removed, []string{g1.ID}) {
			t.Fatalf("UnbindGroups: %v, %v", removed, err)
		}
		return tx.DeleteGroup(ctx, g2.ID)
	})
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		ids, err := tx.AppGroupIDs(ctx, a1.ID)
		if err != nil || len(ids) != 0 {
			t.Fatalf("bindings after unbind and group deletion: %v, %v", ids, err)
		}
		return nil
	})
	mustUpdate(t, s, func(ctx context.Context, tx directory.Tx) error { return tx.DeleteApps(ctx, []string{a2.ID}) })
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		ids, err := tx.GroupAppIDs(ctx, g1.ID)
		if err != nil || len(ids) != 0 {
			t.Fatalf("bindings after app deletion: %v, %v", ids, err)
		}
		return nil
	})
}

func testDeleteAppsAllOrNothing(t *testing.T, s directory.Store) {
	a1, a2 := newApp(1), newApp(2)
	createApps(t, s, a1, a2)
	err := update(t, s, func(ctx context.Context, tx directory.Tx) error {
		return tx.DeleteApps(ctx, []string{a1.ID, "nope", a2.ID})
	})
	wantCode(t, err, directory.ENOTFOUND)
	mustView(t, s, func(ctx context.Context, tx directory.Tx) error {
		_, total, err := tx.ListApps(ctx, directory.AppFilter{})
		if err != nil || total != 2 {
			t.Fatalf("after failed delete: %d apps, %v", total, err)
		}
		return nil
	})
}

package lifecycle_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

const testBase = "https://sso.example.com"

func newAppService(t *testing.T, dsn string) *lifecycle.Service {
	t.Helper()
	s := newService(t, dsn)
	sealer, err := secrets.New(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	s.Sealer, s.BaseURL = sealer, testBase+"/"
	return s
}

func wantFields(t *testing.T, err error, code string, fields ...string) {
	t.Helper()
	if directory.ErrorCode(err) != code {
		t.Fatalf("err = %v, want code %s", err, code)
	}
	got := directory.ErrorFields(err)
	if len(got) != len(fields) {
		t.Fatalf("fields = %+v, want %v", got, fields)
	}
	for i, f := range fields {
		if got[i].Field != f {
			t.Fatalf("fields = %+v, want %v", got, fields)
		}
	}
}

func appKeys(t *testing.T, s *lifecycle.Service, appID string) []directory.AppKey {
	t.Helper()
	var ks []directory.AppKey
	err := s.Store.View(context.Background(), func(tx directory.Tx) error {
		var err error
		ks, err = tx.ListAppKeys(context.Background(), appID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

func TestCreateApps(t *testing.T) { backends(t, testCreateApps) }

func testCreateApps(t *testing.T, dsn string) {
	ctx := context.Background()
	s := newAppService(t, dsn)
	q, err := s.CreateApp(ctx, actor, lifecycle.NewApp{TemplateID: "quip", Label: " Quip (Sales) "})
	if err != nil {
		t.Fatal(err)
	}
	if q.Slug != "quip-sales" || q.IdPURL != testBase+"/saml2/quip-sales" || !q.ShowInPortal || !q.SSOActive || q.Label != "Quip (Sales)" {
		t.Fatalf("created %+v", q)
	}
	q2, err := s.CreateApp(ctx, actor, lifecycle.NewApp{TemplateID: "quip", Label: "Quip Sales", KeyAlgorithm: "ecdsa-p256"})
	if err != nil || q2.Slug != "quip-sales-2" {
		t.Fatalf("second app: %+v, %v", q2, err)
	}
	var sso *directory.AppSSO
	s.Store.View(ctx, func(tx directory.Tx) error { sso, err = tx.GetAppSSO(ctx, q.ID); return err })
	if sso.IdPEntityID != q.IdPURL || sso.NameIDAttribute != "email" || sso.NameIDFormat != directory.NameIDEmailAddress ||
		sso.SignatureAlgorithm != directory.SigRSASHA256 || sso.Sign != directory.SignAssertion || len(sso.Attributes) != 4 ||
		!sso.Attributes[0].JITRequired || !sso.Attributes[0].Enabled || sso.Attributes[3].JITRequired || sso.Attributes[3].Enabled {
		t.Fatalf("quip SSO defaults = %+v", sso)
	}
	// The private key is sealed: the stored column never holds the PEM.
	ks := appKeys(t, s, q.ID)
	if len(ks) != 1 || ks[0].Status != directory.KeyActive || ks[0].Algorithm != "rsa2048" ||
		!strings.HasPrefix(ks[0].SealedKey, "v1:") || strings.Contains(ks[0].SealedKey, "PRIVATE KEY") ||
		!strings.Contains(ks[0].CertificatePEM, "BEGIN CERTIFICATE") {
		t.Fatalf("keys = %+v", ks)
	}
	if !ks[0].NotAfter.After(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("certificate valid until %v", ks[0].NotAfter)
	}
	if xml, _, err := s.Metadata(ctx, q2.ID); err != nil || !bytes.Contains(xml, []byte("X509Certificate")) {
		t.Fatalf("ECDSA app metadata: %v\n%s", err, xml)
	}

	custom, err := s.CreateApp(ctx, actor, lifecycle.NewApp{TemplateID: "custom-saml", Label: "Wiki", IdPURL: testBase + "/saml2/team-wiki", KeyAlgorithm: "ecdsa-p256"})
	if err != nil || custom.Slug != "team-wiki" || custom.IdPURL != testBase+"/saml2/team-wiki" {
		t.Fatalf("custom IdP URL: %+v, %v", custom, err)
	}
	_, err = s.CreateApp(ctx, actor, lifecycle.NewApp{TemplateID: "custom-saml", Label: "Wiki 2", IdPURL: testBase + "/saml2/team-wiki", KeyAlgorithm: "ecdsa-p256"})
	wantFields(t, err, directory.ECONFLICT, "idpUrl")
	bm, err := s.CreateApp(ctx, actor, lifecycle.NewApp{TemplateID: "bookmark", Label: "Intranet", BookmarkURL: "https://intranet.example.com/login", ShowInPortal: ptr(false)})
	if err != nil || bm.IdPURL != "" || bm.ShowInPortal || len(appKeys(t, s, bm.ID)) != 0 {
		t.Fatalf("bookmark: %+v, %v", bm, err)
	}

	before := len(changes(t, s))
	for _, c := range []struct {
		in     lifecycle.NewApp
		fields []string
	}{
		{lifecycle.NewApp{TemplateID: "nope", Label: "x"}, []string{"templateId"}},
		{lifecycle.NewApp{TemplateID: "quip", Label: " "}, []string{"label"}},
		{lifecycle.NewApp{TemplateID: "quip", Label: strings.Repeat("x", 129)}, []string{"label"}},
		{lifecycle.NewApp{TemplateID: "bookmark", Label: "b"}, []string{"bookmarkUrl"}},
		{lifecycle.NewApp{TemplateID: "bookmark", Label: "b", BookmarkURL: "javascript:alert(1)"}, []string{"bookmarkUrl"}},
		{lifecycle.NewApp{TemplateID: "quip", Label: "q", BookmarkURL: "https://x.example.com"}, []string{"bookmarkUrl"}},
		{lifecycle.NewApp{TemplateID: "quip", Label: "q", IdPURL: "https://evil.example.com/saml2/q"}, []string{"idpUrl"}},
		{lifecycle.NewApp{TemplateID: "quip", Label: "q", IdPURL: testBase + "/saml2/Bad_Name"}, []string{"idpUrl"}},
		{lifecycle.NewApp{TemplateID: "quip", Label: "q", KeyAlgorithm: "dsa"}, []string{"keyAlgorithm"}},
	} {
		_, err := s.CreateApp(ctx, actor, c.in)
		wantFields(t, err, directory.EINVALID, c.fields...)
	}
	cs := changes(t, s)
	if len(cs) != before {
		t.Fatalf("refused creations wrote %d changes", len(cs)-before)
	}
	if cs[0].Kind != directory.AppCreated || cs[0].ResourceType != "app" || cs[0].ResourceID != q.ID || cs[0].ResourceName != q.Label {
		t.Fatalf("created change = %+v", cs[0])
	}

	// Updates: the IdP URL and slug are not part of AppUpdate; a no-op writes nothing.
	up, err := s.UpdateApp(ctx, actor, q.ID, directory.AppUpdate{Label: ptr("Quip"), ShowInPortal: ptr(false)})
	if err != nil || up.Label != "Quip" || up.ShowInPortal || up.IdPURL != q.IdPURL || up.Slug != q.Slug {
		t.Fatalf("update: %+v, %v", up, err)
	}
	n := len(changes(t, s))
	if _, err := s.UpdateApp(ctx, actor, q.ID, directory.AppUpdate{Label: ptr("Quip")}); err != nil || len(changes(t, s)) != n {
		t.Fatalf("no-op update: %v, %d changes", err, len(changes(t, s))-n)
	}
	_, err = s.UpdateApp(ctx, actor, q.ID, directory.AppUpdate{BookmarkURL: ptr("https://x.example.com/")})
	wantFields(t, err, directory.EINVALID, "bookmarkUrl")
	_, err = s.UpdateApp(ctx, actor, "nope", directory.AppUpdate{Label: ptr("x")})
	wantFields(t, err, directory.ENOTFOUND)

	off, err := s.SetSSOActive(ctx, actor, q.ID, false)
	if err != nil || off.SSOActive {
		t.Fatalf("deactivate: %+v, %v", off, err)
	}
	if cs := changes(t, s); cs[len(cs)-1].Kind != directory.AppSSODeactivated {
		t.Fatalf("last change = %+v", cs[len(cs)-1])
	}
}

func TestDeleteApps(t *testing.T) { backends(t, testDeleteApps) }

func testDeleteApps(t *testing.T, dsn string) {
	ctx := context.Background()
	s := newAppService(t, dsn)
	var ids []string
	for _, l := range []string{"One", "Two", "Three"} {
		a, err := s.CreateApp(ctx, actor, lifecycle.NewApp{TemplateID: "bookmark", Label: l, BookmarkURL: "https://example.com/" + l})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	before := len(changes(t, s))
	wantFields(t, s.DeleteApps(ctx, actor, ids[:2], 1), directory.EINVALID, "confirm")
	wantFields(t, s.DeleteApps(ctx, actor, ids[:2], 3), directory.EINVALID, "confirm")
	wantFields(t, s.DeleteApps(ctx, actor, nil, 0), directory.EINVALID, "ids")
	wantFields(t, s.DeleteApps(ctx, actor, []string{ids[0], "nope"}, 2), directory.ENOTFOUND)
	if len(changes(t, s)) != before {
		t.Fatal("refused deletions wrote changes")
	}
	// Repeated ids count once.
	if err := s.DeleteApps(ctx, actor, []string{ids[0], ids[1], ids[0]}, 2); err != nil {
		t.Fatal(err)
	}
	cs := changes(t, s)
	if kinds(cs[before:]) != "app.deleted,app.deleted" {
		t.Fatalf("changes = %s", kinds(cs[before:]))
	}
	s.Store.View(ctx, func(tx directory.Tx) error {
		_, n, _ := tx.ListApps(ctx, directory.AppFilter{})
		if n != 1 {
			t.Fatalf("%d apps left", n)
		}
		return nil
	})
}

func TestBindings(t *testing.T) { backends(t, testBindings) }

func testBindings(t *testing.T, dsn string) {
	ctx := context.Background()
	s := newAppService(t, dsn)
	app, err := s.CreateApp(ctx, actor, lifecycle.NewApp{TemplateID: "custom-saml", Label: "Wiki", KeyAlgorithm: "ecdsa-p256"})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := s.CreateApp(ctx, actor, lifecycle.NewApp{TemplateID: "bookmark", Label: "Link", BookmarkURL: "https://example.com/"})
	ada, _ := s.CreateUser(ctx, actor, directory.User{Username: "ada", Email: "ada@example.com"})
	bob, _ := s.CreateUser(ctx, actor, directory.User{Username: "bob", Email: "bob@example.com"})
	eng, _ := s.CreateGroup(ctx, actor, directory.Group{Name: "Engineering"})
	ops, _ := s.CreateGroup(ctx, actor, directory.Group{Name: "Ops"})
	s.AddMembers(ctx, actor, eng.ID, []string{ada.ID})
	may := func(userID string) bool {
		var ok bool
		err := s.Store.View(ctx, func(tx directory.Tx) error {
			var err error
			ok, err = lifecycle.UserMayUseApp(ctx, tx, userID, app.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if may(ada.ID) {
		t.Fatal("users are implicitly denied")
	}
	before := len(changes(t, s))
	b, err := s.SetAppGroups(ctx, actor, app.ID, []string{eng.ID, ops.ID, eng.ID})
	if err != nil || len(b.Bound) != 2 || len(b.Unbound) != 0 || len(b.IDs) != 2 {
		t.Fatalf("SetAppGroups: %+v, %v", b, err)
	}
	cs := changes(t, s)[before:]
	if kinds(cs) != "app.group_bound,app.group_bound" || cs[0].ResourceID != app.ID || cs[0].RelatedID != eng.ID || cs[0].Seq+1 != cs[1].Seq {
		t.Fatalf("binding changes = %+v", cs)
	}
	if !may(ada.ID) || may(bob.ID) || may("nope") {
		t.Fatal("UserMayUseApp after binding")
	}
	s.SuspendUser(ctx, actor, ada.ID)
	if may(ada.ID) {
		t.Fatal("a suspended user may use the app")
	}
	s.ActivateUser(ctx, actor, ada.ID)
	n := len(changes(t, s))
	if b, err = s.SetAppGroups(ctx, actor, app.ID, []string{ops.ID, eng.ID}); err != nil || len(b.Bound)+len(b.Unbound) != 0 || len(changes(t, s)) != n {
		t.Fatalf("no-op SetAppGroups: %+v, %v", b, err)
	}
	_, err = s.SetAppGroups(ctx, actor, app.ID, []string{ops.ID, "nope"})
	wantFields(t, err, directory.ENOTFOUND)
	if b, err = s.SetAppGroups(ctx, actor, app.ID, []string{ops.ID}); err != nil || len(b.Unbound) != 1 || b.Unbound[0] != eng.ID {
		t.Fatalf("unbind by set: %+v, %v", b, err)
	}
	if may(ada.ID) {
		t.Fatal("unbound group still authorizes")
	}
	// From the group's side.
	if b, err = s.SetGroupApps(ctx, actor, eng.ID, []string{app.ID, other.ID}); err != nil || len(b.Bound) != 2 {
		t.Fatalf("SetGroupApps: %+v, %v", b, err)
	}
	if !may(ada.ID) {
		t.Fatal("binding from the group side does not authorize")
	}
	if b, err = s.SetGroupApps(ctx, actor, eng.ID, []string{other.ID}); err != nil || len(b.Unbound) != 1 || b.Unbound[0] != app.ID {
		t.Fatalf("SetGroupApps unbind: %+v, %v", b, err)
	}
	_, err = s.SetGroupApps(ctx, actor, eng.ID, []string{"nope"})
	wantFields(t, err, directory.ENOTFOUND)
	if b, err = s.UnbindGroups(ctx, actor, app.ID, []string{ops.ID}); err != nil || len(b.IDs) != 0 {
		t.Fatalf("UnbindGroups: %+v, %v", b, err)
	}
	if b, err = s.BindGroups(ctx, actor, app.ID, []string{ops.ID}); err != nil || len(b.IDs) != 1 {
		t.Fatalf("BindGroups: %+v, %v", b, err)
	}
	last := changes(t, s)
	if k := last[len(last)-1]; k.Kind != directory.AppGroupBound || k.RelatedID != ops.ID {
		t.Fatalf("last change = %+v", k)
	}
}

func TestAppKeys(t *testing.T) { backends(t, testAppKeys) }

func testAppKeys(t *testing.T, dsn string) {
	ctx := context.Background()
	s := newAppService(t, dsn)
	app, err := s.CreateApp(ctx, actor, lifecycle.NewApp{TemplateID: "custom-saml", Label: "Wiki", KeyAlgorithm: "ecdsa-p256"})
	if err != nil {
		t.Fatal(err)
	}
	first := appKeys(t, s, app.ID)[0]
	next, err := s.PrepareNextKey(ctx, actor, app.ID, "ecdsa-p256")
	if err != nil || next.Status != directory.KeyNext {
		t.Fatalf("next: %+v, %v", next, err)
	}
	xml, name, err := s.Metadata(ctx, app.ID)
	if err != nil || name != "Jumpgate-Wiki-metadata.xml" {
		t.Fatalf("metadata: %v %q", err, name)
	}
	if n := strings.Count(string(xml), `use="signing"`); n != 2 {
		t.Fatalf("metadata during rotation has %d signing keys:\n%s", n, xml)
	}
	act, err := s.ActivateNextKey(ctx, actor, app.ID)
	if err != nil || act.ID != next.ID || act.Status != directory.KeyActive {
		t.Fatalf("activate: %+v, %v", act, err)
	}
	ks := appKeys(t, s, app.ID)
	if len(ks) != 2 || ks[0].ID != next.ID || ks[1].ID != first.ID || ks[1].Status != directory.KeyRetired {
		t.Fatalf("after activation: %+v", ks)
	}
	_, err = s.ActivateNextKey(ctx, actor, app.ID)
	wantFields(t, err, directory.EPRECONDITION)
	wantFields(t, s.RemoveKey(ctx, actor, app.ID, next.ID), directory.EPRECONDITION)
	if err := s.RemoveKey(ctx, actor, app.ID, first.ID); err != nil {
		t.Fatal(err)
	}
	wantFields(t, s.RemoveKey(ctx, actor, app.ID, first.ID), directory.ENOTFOUND)

	// Regenerate as RSA: the signature algorithm follows the key.
	reg, err := s.RegenerateKey(ctx, actor, app.ID, "")
	if err != nil || reg.Algorithm != "rsa2048" || reg.ExpiryWarning {
		t.Fatalf("regenerate: %+v, %v", reg, err)
	}
	cfg := configure(t, s, app.ID)
	if cfg.Signature != samlidp.RSASHA256 || cfg.Key.Certificate().SerialNumber.Cmp(mustCert(t, reg.CertificatePEM).SerialNumber) != 0 {
		t.Fatalf("config after regenerate: %+v", cfg)
	}

	// Upload an own pair that expires in 30 days: shown with a warning.
	own, err := samlidp.GenerateKey(samlidp.ECDSAP256, "own", 30*24*time.Hour, time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC), nil)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, _ := own.PrivateKeyPEM()
	up, err := s.UploadKey(ctx, actor, app.ID, own.CertificatePEM(), keyPEM)
	if err != nil || up.Algorithm != "uploaded" || !up.ExpiryWarning || up.Expiry != "expires within 30 days" || up.DaysLeft != 30 {
		t.Fatalf("upload: %+v, %v", up, err)
	}
	other, _ := samlidp.GenerateKey(samlidp.ECDSAP256, "other", time.Hour, time.Now(), nil)
	otherKey, _ := other.PrivateKeyPEM()
	_, err = s.UploadKey(ctx, actor, app.ID, own.CertificatePEM(), otherKey)
	wantFields(t, err, directory.EINVALID, "privateKey")
	_, err = s.UploadKey(ctx, actor, app.ID, []byte("junk"), keyPEM)
	wantFields(t, err, directory.EINVALID, "certificate")
	infos, err := s.AppKeys(ctx, app.ID)
	if err != nil || len(infos) != 3 || infos[0].ID != up.ID || infos[0].FingerprintSHA256 == "" {
		t.Fatalf("AppKeys: %+v, %v", infos, err)
	}
	// No column of app_keys holds a private key in clear: read them raw.
	err = s.Store.(*sqlstore.Store).ViewTx(ctx, func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(ctx, "SELECT id, sealed_key, certificate FROM app_keys")
		if err != nil {
			return err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var id, sealed, cert string
			if err := rows.Scan(&id, &sealed, &cert); err != nil {
				return err
			}
			n++
			for _, v := range []string{sealed, cert} {
				if strings.Contains(v, "PRIVATE KEY") || strings.Contains(v, string(keyPEM[40:80])) {
					t.Fatalf("key %s is stored in clear", id)
				}
			}
			if !strings.HasPrefix(sealed, "v1:") {
				t.Fatalf("key %s: sealed_key = %.20q", id, sealed)
			}
		}
		if n != 3 {
			t.Fatalf("%d keys stored", n)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg := configure(t, s, app.ID); cfg.Signature != samlidp.ECDSASHA256 {
		t.Fatalf("signature after EC upload = %s", cfg.Signature)
	}
	// Apps without SAML have no keys.
	bm, _ := s.CreateApp(ctx, actor, lifecycle.NewApp{TemplateID: "bookmark", Label: "Link", BookmarkURL: "https://example.com/"})
	_, err = s.RegenerateKey(ctx, actor, bm.ID, "ecdsa-p256")
	wantFields(t, err, directory.EPRECONDITION)
}

func mustCert(t *testing.T, pemText string) *x509.Certificate {
	t.Helper()
	c, err := samlidp.ParseCertificatePEM([]byte(pemText))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// configure fills in the SP side and returns the SAML configuration.
func configure(t *testing.T, s *lifecycle.Service, appID string) *samlidp.AppConfig {
	t.Helper()
	ctx := context.Background()
	var cur *directory.AppSSO
	s.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		cur, err = tx.GetAppSSO(ctx, appID)
		return err
	})
	cur.SPEntityID, cur.ACSURLs = "https://sp.example.com", []string{"https://sp.example.com/acs"}
	if _, err := s.PutAppSSO(ctx, actor, appID, *cur); err != nil {
		t.Fatal(err)
	}
	cfg, err := s.SAMLConfig(ctx, appID)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestAppSSOSettings(t *testing.T) { backends(t, testAppSSOSettings) }

func testAppSSOSettings(t *testing.T, dsn string) {
	ctx := context.Background()
	s := newAppService(t, dsn)
	app, err := s.CreateApp(ctx, actor, lifecycle.NewApp{TemplateID: "quip", Label: "Quip", KeyAlgorithm: "ecdsa-p256"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.SAMLConfig(ctx, app.ID)
	wantFields(t, err, directory.EPRECONDITION) // not configured yet
	xml, name, err := s.Metadata(ctx, app.ID)
	if err != nil || name != "Jumpgate-Quip-metadata.xml" {
		t.Fatalf("metadata before configuration: %v %q", err, name)
	}
	checkMetadata(t, xml, app.IdPURL, appKeys(t, s, app.ID)[0].CertificatePEM)

	var cur *directory.AppSSO
	s.Store.View(ctx, func(tx directory.Tx) error { cur, err = tx.GetAppSSO(ctx, app.ID); return err })
	put := func(mod func(x *directory.AppSSO)) (*directory.AppSSO, error) {
		x := *cur
		x.ACSURLs = append([]string{}, cur.ACSURLs...)
		x.Attributes = append([]directory.AttributeStatement{}, cur.Attributes...)
		mod(&x)
		return s.PutAppSSO(ctx, actor, app.ID, x)
	}
	before := len(changes(t, s))
	for _, c := range []struct {
		mod    func(x *directory.AppSSO)
		fields []string
	}{
		{func(x *directory.AppSSO) { x.Attributes[0].Name = "mail" }, []string{"attributes[0].name"}},
		{func(x *directory.AppSSO) { x.Attributes = x.Attributes[1:] }, []string{"attributes[0].name", "attributes[1].name", "attributes[2].name"}},
		{func(x *directory.AppSSO) { x.Attributes[3].JITRequired = true }, []string{"attributes[3].jitRequired"}},
		{func(x *directory.AppSSO) { x.ACSURLs = []string{"javascript:alert(1)"} }, []string{"acsUrls[0]"}},
		{func(x *directory.AppSSO) { x.ACSURLs = []string{"https://a.example.com/", "https://a.example.com/"} }, []string{"acsUrls[1]"}},
		{func(x *directory.AppSSO) { x.SignatureAlgorithm = directory.SigRSASHA256 }, []string{"signatureAlgorithm"}},
		{func(x *directory.AppSSO) { x.NameIDFormat = "x509" }, []string{"nameIdFormat"}},
		{func(x *directory.AppSSO) { x.NameIDAttribute = "password" }, []string{"nameIdAttribute"}},
		{func(x *directory.AppSSO) { x.Sign = "none" }, []string{"sign"}},
		{func(x *directory.AppSSO) { x.SPCertificate = "not a cert" }, []string{"spCertificate"}},
		{func(x *directory.AppSSO) { x.Attributes[1].Source = directory.AttributeSource{} }, []string{"attributes[1].source"}},
		{func(x *directory.AppSSO) {
			x.Attributes[1].Source = directory.AttributeSource{Attribute: "firstname", Constant: "x"}
		}, []string{"attributes[1].source"}},
		{func(x *directory.AppSSO) { x.GroupsAttribute = "email" }, []string{"groupsAttribute"}},
		{func(x *directory.AppSSO) { x.IdPEntityID = "" }, []string{"idpEntityId"}},
	} {
		_, err := put(c.mod)
		wantFields(t, err, directory.EINVALID, c.fields...)
	}
	if len(changes(t, s)) != before {
		t.Fatal("refused settings wrote changes")
	}
	got, err := put(func(x *directory.AppSSO) {
		x.SPEntityID, x.ACSURLs = "https://Quip.example.com", []string{"https://quip.example.com/saml/acs", "http://localhost:9000/acs"}
		x.Attributes[0].Source = directory.AttributeSource{Attribute: "username"} // source editable
		x.Attributes[1].Enabled = false                                           // toggled off
		x.Attributes[2].Source = directory.AttributeSource{Constant: "Staff"}
		x.Attributes = append(x.Attributes, directory.AttributeStatement{Name: "dept", Source: directory.AttributeSource{Constant: "R&D"}, Enabled: true})
		x.GroupsAttribute = "memberOf"
		x.Sign = directory.SignBoth
		x.DefaultRelayState = "/home"
	})
	if err != nil || !got.Attributes[0].JITRequired || got.Attributes[4].JITRequired || got.Attributes[1].Enabled {
		t.Fatalf("put: %+v, %v", got, err)
	}
	if cs := changes(t, s); cs[len(cs)-1].Kind != directory.AppSSOUpdated {
		t.Fatalf("last change %+v", cs[len(cs)-1])
	}
	cfg, err := s.SAMLConfig(ctx, app.ID)
	if err != nil || cfg.SPEntityID != "https://Quip.example.com" || len(cfg.ACSURLs) != 2 || cfg.Sign != samlidp.SignBoth ||
		cfg.IdPSSOURL != app.IdPURL || cfg.Key == nil || cfg.NameIDFormat != samlidp.NameIDEmailAddress || cfg.DefaultRelayState != "/home" {
		t.Fatalf("SAMLConfig: %+v, %v", cfg, err)
	}
	sa, err := s.SAMLAppBySlug(ctx, app.Slug)
	if err != nil || sa.App.ID != app.ID || len(sa.SSO.Attributes) != 5 {
		t.Fatalf("SAMLAppBySlug: %+v, %v", sa, err)
	}
	u := &directory.User{ID: "u1", Username: "ada", Email: "ada@example.com", FirstName: "Ada"}
	nameID, attrs := lifecycle.AssertionAttributes(&sa.SSO, u, []string{"Eng", "Ops"})
	if nameID != "ada@example.com" || len(attrs) != 4 || attrs[0].Name != "email" || attrs[0].Values[0] != "ada" ||
		attrs[1].Name != "lastname" || attrs[1].Values[0] != "Staff" || attrs[3].Name != "memberOf" || len(attrs[3].Values) != 2 {
		t.Fatalf("AssertionAttributes: %q %+v", nameID, attrs)
	}

	// SP metadata import fills entity ID, ACS URLs, certificate and NameID format.
	spKey, _ := samlidp.GenerateKey(samlidp.ECDSAP256, "sp", time.Hour*24*365, time.Now(), nil)
	md := spMetadata("https://sp2.example.com/metadata", "https://sp2.example.com/acs", spKey.Certificate(), string(samlidp.NameIDPersistent))
	imp, err := s.ImportSPMetadata(ctx, actor, app.ID, []byte(md))
	if err != nil || imp.SPEntityID != "https://sp2.example.com/metadata" || imp.ACSURLs[0] != "https://sp2.example.com/acs" ||
		imp.NameIDFormat != directory.NameIDPersistent || !strings.Contains(imp.SPCertificate, "BEGIN CERTIFICATE") {
		t.Fatalf("import: %+v, %v", imp, err)
	}
	if cfg, _ := s.SAMLConfig(ctx, app.ID); cfg.SPCertificate == nil {
		t.Fatal("imported SP certificate not in the config")
	}
	_, err = s.ImportSPMetadata(ctx, actor, app.ID, []byte(spMetadata("https://sp3.example.com", "javascript:alert(1)", nil, "")))
	wantFields(t, err, directory.EINVALID, "metadata")
	_, err = s.ImportSPMetadata(ctx, actor, app.ID, []byte("<nope"))
	wantFields(t, err, directory.EINVALID, "metadata")

	s.SetSSOActive(ctx, actor, app.ID, false)
	_, err = s.SAMLConfig(ctx, app.ID)
	wantFields(t, err, directory.EPRECONDITION)
	if _, _, err := s.Metadata(ctx, app.ID); err != nil {
		t.Fatalf("metadata of a deactivated app: %v", err)
	}
	bm, _ := s.CreateApp(ctx, actor, lifecycle.NewApp{TemplateID: "bookmark", Label: "Link", BookmarkURL: "https://example.com/"})
	_, err = s.PutAppSSO(ctx, actor, bm.ID, *cur)
	wantFields(t, err, directory.EPRECONDITION)
	_, _, err = s.Metadata(ctx, bm.ID)
	wantFields(t, err, directory.EPRECONDITION)
}

func spMetadata(entityID, acs string, cert *x509.Certificate, format string) string {
	var b strings.Builder
	b.WriteString(`<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="` + entityID + `">`)
	b.WriteString(`<SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="true">`)
	if cert != nil {
		b.WriteString(`<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>` +
			base64.StdEncoding.EncodeToString(cert.Raw) + `</X509Certificate></X509Data></KeyInfo></KeyDescriptor>`)
	}
	if format != "" {
		b.WriteString(`<NameIDFormat>` + format + `</NameIDFormat>`)
	}
	b.WriteString(`<AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="` + acs + `" index="0"/>`)
	b.WriteString(`</SPSSODescriptor></EntityDescriptor>`)
	return b.String()
}

// checkMetadata checks that IdP metadata has SingleSignOnService at the IdP
// URL for both bindings and the signing certificate.
func checkMetadata(t *testing.T, xml []byte, idpURL, certPEM string) {
	t.Helper()
	s := string(xml)
	for _, binding := range []string{samlidp.BindingHTTPRedirect, samlidp.BindingHTTPPost} {
		if !strings.Contains(s, `<SingleSignOnService Binding="`+binding+`" Location="`+idpURL+`">`) &&
			!strings.Contains(s, `<SingleSignOnService Binding="`+binding+`" Location="`+idpURL+`"></SingleSignOnService>`) {
			t.Fatalf("metadata has no %s endpoint at %s:\n%s", binding, idpURL, s)
		}
	}
	cert, err := samlidp.ParseCertificatePEM([]byte(certPEM))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s, base64.StdEncoding.EncodeToString(cert.Raw)) {
		t.Fatalf("metadata lacks the signing certificate:\n%s", s)
	}
	if !strings.Contains(s, `entityID="`+idpURL+`"`) {
		t.Fatalf("metadata entityID is not the IdP URL:\n%s", s)
	}
}

func TestConcurrentSameLabel(t *testing.T) { backends(t, testConcurrentSameLabel) }

func testConcurrentSameLabel(t *testing.T, dsn string) {
	s := newAppService(t, dsn)
	var n atomic.Int64
	s.NewID = func() string { return fmt.Sprintf("app-%03d", n.Add(1)) }
	const count = 6
	errs := make(chan error, count)
	for i := 0; i < count; i++ {
		go func() {
			_, err := s.CreateApp(context.Background(), actor, lifecycle.NewApp{TemplateID: "bookmark", Label: "Same", BookmarkURL: "https://example.com/"})
			errs <- err
		}()
	}
	var failed []error
	for i := 0; i < count; i++ {
		if err := <-errs; err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) > 0 {
		t.Fatal(failed)
	}
	slugs := map[string]bool{}
	s.Store.View(context.Background(), func(tx directory.Tx) error {
		as, _, err := tx.ListApps(context.Background(), directory.AppFilter{})
		for _, a := range as {
			slugs[a.Slug] = true
		}
		return err
	})
	if len(slugs) != count || !slugs["same"] || !slugs["same-6"] {
		t.Fatalf("slugs = %v", slugs)
	}
}

package portal_test

import (
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
)

func TestAppKeyRotation(t *testing.T) {
	e := newEnv(t)
	a := e.quipApp("Quip")
	b := e.signedIn(directory.RoleAdmin)
	p := b.get("/admin/apps/"+a.ID+"/sso").wantStatus(t, http.StatusOK)
	first := e.keys(a.ID)[0]
	p.wantText(t, "IdP Certificate", "active", first.FingerprintSHA256, first.Expiry, "Prepare Next Certificate").
		wantNoText(t, "Activate Next Certificate")

	// Activating before preparing is refused with a message.
	b.post("/admin/apps/"+a.ID+"/keys/activate-next", nil).wantStatus(t, http.StatusConflict).wantText(t, "no next key")

	// Prepare next: published in the metadata beside the active one.
	b.post("/admin/apps/"+a.ID+"/keys/next", url.Values{"algorithm": {"ecdsa-p256"}}).wantStatus(t, http.StatusOK).
		wantText(t, "Next certificate prepared", "Activate Next Certificate", "next")
	ks := e.keys(a.ID)
	if len(ks) != 2 || ks[0].ID != first.ID || ks[1].Status != directory.KeyNext || ks[1].Algorithm != "ecdsa-p256" {
		t.Fatalf("keys after prepare: %+v", ks)
	}
	var md idpMetadata
	if err := xml.Unmarshal([]byte(b.get("/admin/apps/"+a.ID+"/metadata").Body), &md); err != nil || len(md.IDP) != 1 || len(md.IDP[0].Keys) != 2 {
		t.Fatalf("metadata during rotation: %+v %v", md, err)
	}

	// Activate next: the old key is retired, the signature follows the key.
	next := ks[1]
	b.post("/admin/apps/"+a.ID+"/keys/activate-next", nil).wantStatus(t, http.StatusOK).wantText(t, "The next certificate is now active")
	ks = e.keys(a.ID)
	if ks[0].ID != next.ID || ks[0].Status != directory.KeyActive || ks[0].Algorithm != "ecdsa-p256" || ks[1].ID != first.ID || ks[1].Status != directory.KeyRetired {
		t.Fatalf("keys after activate: %+v", ks)
	}
	if s := e.appSSO(a.ID); s.SignatureAlgorithm != directory.SigECDSASHA256 {
		t.Fatalf("signature algorithm: %s", s.SignatureAlgorithm)
	}

	// Regenerate asks for the confirmation box first.
	b.post("/admin/apps/"+a.ID+"/keys/regenerate", url.Values{"algorithm": {"rsa2048"}}).wantStatus(t, http.StatusBadRequest).
		wantText(t, "check this box")
	if n := len(e.keys(a.ID)); n != 2 {
		t.Fatalf("unconfirmed regenerate made a key: %d keys", n)
	}
	b.post("/admin/apps/"+a.ID+"/keys/regenerate", url.Values{"algorithm": {"rsa2048"}, "confirmRegenerate": {"on"}}).
		wantStatus(t, http.StatusOK).wantText(t, "A new certificate is active")
	ks = e.keys(a.ID)
	if len(ks) != 3 || ks[0].Algorithm != "rsa2048" || ks[0].Status != directory.KeyActive {
		t.Fatalf("keys after regenerate: %+v", ks)
	}

	// Remove a retired key; the active one cannot be removed.
	b.post("/admin/apps/"+a.ID+"/keys/"+first.ID+"/remove", nil).wantStatus(t, http.StatusOK).wantText(t, "Certificate removed.")
	b.post("/admin/apps/"+a.ID+"/keys/"+ks[0].ID+"/remove", nil).wantStatus(t, http.StatusConflict).wantText(t, "active key cannot be removed")
	b.post("/admin/apps/"+a.ID+"/keys/nope/remove", nil).wantStatus(t, http.StatusNotFound)

	// Upload an own pair: a key that does not match is refused by its
	// field, the certificate is kept and the private key never echoed.
	kp, err := samlidp.GenerateKey(samlidp.RSA2048, "own", 24*time.Hour*365, time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := samlidp.GenerateKey(samlidp.RSA2048, "other", 24*time.Hour*365, time.Now(), rand.Reader)
	otherKey, _ := other.PrivateKeyPEM()
	cert := string(kp.CertificatePEM())
	p = b.upload("/admin/apps/"+a.ID+"/keys/upload", url.Values{"certificate": {cert}, "privateKey": {string(otherKey)}}, nil)
	p.wantStatus(t, http.StatusBadRequest).wantText(t, "matching the certificate", strings.TrimSpace(cert))
	if strings.Contains(p.Body, "PRIVATE KEY") {
		t.Fatal("the page echoes the private key")
	}
	keyPEM, _ := kp.PrivateKeyPEM()
	b.upload("/admin/apps/"+a.ID+"/keys/upload", nil, map[string][]byte{"certificateFile": []byte(cert), "privateKeyFile": keyPEM}).
		wantStatus(t, http.StatusOK).wantText(t, "Your certificate and key are active")
	if ks = e.keys(a.ID); ks[0].Algorithm != "uploaded" || ks[0].CertificatePEM != cert {
		t.Fatalf("after upload: %+v", ks[0])
	}
}

func TestAppDeactivateSSO(t *testing.T) {
	e := newEnv(t)
	a := e.quipApp("Quip")
	b := e.signedIn(directory.RoleAdmin)
	sso := b.get("/admin/apps/"+a.ID+"/sso").wantStatus(t, http.StatusOK)
	confirm := b.get(sso.link(t, "Deactivate SSO")).wantStatus(t, http.StatusOK).wantText(t, "Deactivate SSO", "save")
	if got, _ := e.getApp(a.ID); !got.SSOActive {
		t.Fatal("showing the confirmation deactivated SSO")
	}
	confirm.wantPath(t, "/admin/apps/"+a.ID+"/sso/deactivate")
	b.post("/admin/apps/"+a.ID+"/sso/deactivate", nil).wantStatus(t, http.StatusOK).wantPath(t, "/admin/apps/"+a.ID+"/sso").
		wantText(t, "SSO deactivated for Quip.", "Activate SSO")
	if got, _ := e.getApp(a.ID); got.SSOActive {
		t.Fatal("SSO still active")
	}
	b.get("/admin/apps").wantText(t, "SSO deactivated")
	b.post("/admin/apps/"+a.ID+"/sso/activate", nil).wantStatus(t, http.StatusOK).wantText(t, "SSO activated for Quip.", "Deactivate SSO")
	if got, _ := e.getApp(a.ID); !got.SSOActive {
		t.Fatal("SSO not activated again")
	}
}

func TestAppUserGroups(t *testing.T) {
	e := newEnv(t)
	a := e.quipApp("Quip")
	eng, err := e.Service.CreateGroup(ctx, sysActor, directory.Group{Name: "Engineering"})
	if err != nil {
		t.Fatal(err)
	}
	sales, err := e.Service.CreateGroup(ctx, sysActor, directory.Group{Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	b := e.signedIn(directory.RoleAdmin)
	p := b.get("/admin/apps/"+a.ID+"/groups").wantStatus(t, http.StatusOK).wantText(t, "Engineering", "Sales", `aria-current="page">User Groups</a>`)
	p.wantNoText(t, "checked>")

	b.post("/admin/apps/"+a.ID+"/groups", url.Values{"groupId": {eng.ID}}).wantStatus(t, http.StatusOK).
		wantText(t, "User groups saved: 1 bound, 0 unbound.", `value="`+eng.ID+`" checked>`).wantNoText(t, `value="`+sales.ID+`" checked>`)
	if got := e.boundGroups(a.ID); len(got) != 1 || got[0] != eng.ID {
		t.Fatalf("bound: %v", got)
	}
	b.post("/admin/apps/"+a.ID+"/groups", url.Values{"groupId": {sales.ID}}).wantStatus(t, http.StatusOK).wantText(t, "1 bound, 1 unbound")
	if got := e.boundGroups(a.ID); len(got) != 1 || got[0] != sales.ID {
		t.Fatalf("bound: %v", got)
	}
	// An unknown group changes nothing.
	b.post("/admin/apps/"+a.ID+"/groups", url.Values{"groupId": {eng.ID, "no-such-group"}}).wantStatus(t, http.StatusConflict).wantText(t, "Nothing was changed")
	if got := e.boundGroups(a.ID); len(got) != 1 || got[0] != sales.ID {
		t.Fatalf("bound after refusal: %v", got)
	}
	b.post("/admin/apps/"+a.ID+"/groups", nil).wantStatus(t, http.StatusOK).wantText(t, "0 bound, 1 unbound")
	if got := e.boundGroups(a.ID); len(got) != 0 {
		t.Fatalf("bound: %v", got)
	}
}

func TestAppDeleteAsksForTheCount(t *testing.T) {
	e := newEnv(t)
	q1, q2, keep := e.quipApp("Quip"), e.quipApp("Quip Sandbox"), e.quipApp("Quip Keep")
	b := e.signedIn(directory.RoleAdmin)
	b.get("/admin/apps").wantStatus(t, http.StatusOK).wantText(t, "Delete")
	p := b.get("/admin/apps/delete?id="+q1.ID+"&id="+q2.ID).wantStatus(t, http.StatusOK)
	p.wantText(t, "Type 2 to delete 2 applications", "Quip Sandbox", "Delete Applications")

	form := url.Values{"id": {q1.ID, q2.ID}, "confirm": {"1"}}
	b.post("/admin/apps/delete", form).wantStatus(t, http.StatusBadRequest).
		wantText(t, "must equal the number of applications being deleted (2)", `value="1"`)
	form.Set("confirm", "two")
	b.post("/admin/apps/delete", form).wantStatus(t, http.StatusBadRequest).wantText(t, "type the number of applications")
	if _, total := e.listApps(); total != 3 {
		t.Fatalf("a wrong count deleted: %d apps left", total)
	}
	form.Set("confirm", "2")
	b.post("/admin/apps/delete", form).wantStatus(t, http.StatusOK).wantPath(t, "/admin/apps").wantText(t, "Deleted 2 applications.")
	apps, total := e.listApps()
	if total != 1 || apps[0].ID != keep.ID {
		t.Fatalf("left: %+v", apps)
	}
	// One application: singular wording.
	b.get("/admin/apps/delete?id="+keep.ID).wantStatus(t, http.StatusOK).wantText(t, "Type 1 to delete 1 application", "Delete Application")
	// Nothing selected, or an unknown id.
	b.get("/admin/apps/delete").wantStatus(t, http.StatusBadRequest).wantText(t, "select at least one application")
	b.get("/admin/apps/delete?id=nope").wantStatus(t, http.StatusNotFound)
	b.post("/admin/apps/delete", url.Values{"id": {q1.ID}, "confirm": {"1"}}).wantStatus(t, http.StatusNotFound)
}

func TestAppPagesRefuseForgedAndReadOnlyPosts(t *testing.T) {
	e := newEnv(t)
	a := e.quipApp("Quip")
	b := e.signedIn(directory.RoleAdmin)
	b.get("/admin/apps/" + a.ID + "/sso")
	posts := map[string]url.Values{
		"/admin/apps/" + a.ID + "/sso/deactivate":  {},
		"/admin/apps/delete":                       {"id": {a.ID}, "confirm": {"1"}},
		"/admin/apps/" + a.ID:                      {"label": {"Forged"}},
		"/admin/apps/" + a.ID + "/keys/regenerate": {"confirmRegenerate": {"on"}},
	}
	for path, form := range posts {
		b.postForm(path, form).wantStatus(t, http.StatusForbidden)
	}
	ro := e.signedIn(directory.RoleReadOnly)
	ro.get("/admin/apps/"+a.ID+"/sso").wantStatus(t, http.StatusOK).wantText(t, "Export Metadata")
	ro.get("/admin/apps/"+a.ID+"/metadata").wantStatus(t, http.StatusOK)
	for path, form := range posts {
		ro.post(path, form).wantStatus(t, http.StatusForbidden)
	}
	got, err := e.getApp(a.ID)
	if err != nil || got.Label != "Quip" || !got.SSOActive || len(e.keys(a.ID)) != 1 {
		t.Fatalf("a refused post changed the app: %+v %v", got, err)
	}
}

func TestAppUnknownIDIs404(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(directory.RoleAdmin)
	for _, path := range []string{"/admin/apps/nope", "/admin/apps/nope/sso", "/admin/apps/nope/groups", "/admin/apps/nope/metadata",
		"/admin/apps/nope/saved", "/admin/apps/nope/sso/deactivate", "/admin/apps/nope/image"} {
		b.get(path).wantStatus(t, http.StatusNotFound)
	}
	for _, path := range []string{"/admin/apps/nope", "/admin/apps/nope/sso", "/admin/apps/nope/groups", "/admin/apps/nope/sso/deactivate",
		"/admin/apps/nope/keys/next", "/admin/apps/nope/image/remove"} {
		b.post(path, url.Values{"label": {"x"}}).wantStatus(t, http.StatusNotFound)
	}
	// Bad list parameters are 400, not 500.
	b.get("/admin/apps?offset=-1").wantStatus(t, http.StatusBadRequest)
	b.get("/admin/apps?q="+strings.Repeat("q", 300)).wantStatus(t, http.StatusBadRequest)
}

// Every page renders to its end (a template error would cut it short after
// the status was sent).
func TestAppPagesRenderWhole(t *testing.T) {
	e := newEnv(t)
	a := e.quipApp("Quip")
	bm, err := e.Service.CreateApp(ctx, sysActor, newBookmark("Wiki"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.CreateGroup(ctx, sysActor, directory.Group{Name: "Eng"}); err != nil {
		t.Fatal(err)
	}
	b := e.signedIn(directory.RoleAdmin)
	b.post("/admin/apps/"+a.ID+"/keys/next", nil).wantStatus(t, http.StatusOK)
	b.upload("/admin/apps/"+a.ID+"/image", nil, map[string][]byte{"image": testPNG(t)}).wantStatus(t, http.StatusOK)
	for _, path := range []string{"/admin/apps", "/admin/apps/new", "/admin/apps/new/select?template=quip",
		"/admin/apps/new/details?template=quip", "/admin/apps/new/details?template=bookmark", "/admin/apps/" + a.ID + "/saved",
		"/admin/apps/" + a.ID, "/admin/apps/" + a.ID + "/sso", "/admin/apps/" + bm.ID + "/sso", "/admin/apps/" + bm.ID,
		"/admin/apps/" + a.ID + "/groups", "/admin/apps/" + a.ID + "/sso/deactivate", "/admin/apps/delete?id=" + a.ID} {
		p := b.get(path).wantStatus(t, http.StatusOK)
		if !strings.HasSuffix(strings.TrimSpace(p.Body), "</html>") {
			t.Errorf("%s is cut short:\n%s", path, p.Body)
		}
	}
}

func TestAppListPages(t *testing.T) {
	e := newEnv(t)
	for i := range directory.DefaultPageSize + 2 {
		if _, err := e.Service.CreateApp(ctx, sysActor, newBookmark(fmt.Sprintf("Link %03d", i))); err != nil {
			t.Fatal(err)
		}
	}
	b := e.signedIn(directory.RoleAdmin)
	p := b.get("/admin/apps").wantStatus(t, http.StatusOK).wantText(t, "1–50 of 52", "Link 049").wantNoText(t, "Link 050", "Previous")
	p = b.get(p.link(t, "Next")).wantStatus(t, http.StatusOK).wantText(t, "51–52 of 52", "Link 050", "Link 051").wantNoText(t, "Link 049")
	if p.link(t, "Previous") != "/admin/apps?offset=0" {
		t.Fatalf("Previous: %s", p.link(t, "Previous"))
	}
	b.get("/admin/apps?q=Link+05").wantStatus(t, http.StatusOK).wantText(t, "1–2 of 2", "Link 050", "Link 051")
}

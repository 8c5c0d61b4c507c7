package portal_test

import (
	"encoding/xml"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// link returns the href of the first <a> whose text is text.
func (p page) link(t *testing.T, text string) string {
	t.Helper()
	re := regexp.MustCompile(`<a [^>]*href="([^"]+)"[^>]*>` + regexp.QuoteMeta(text) + `</a>`)
	m := re.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("%s: no link %q in:\n%s", p.URL, text, p.Body)
	}
	return html.UnescapeString(m[1])
}

// The guide's "Creating a new JumpCloud Application Integration", for Quip,
// click by click: SSO Applications › + Add New Application › search › select
// › Next › details › Save Application › Configure Application.
func TestAppsCreateQuipAsTheGuideSays(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(directory.RoleAdmin)

	list := b.get("/admin/apps").wantStatus(t, http.StatusOK).wantText(t, "SSO Applications", "No applications yet")
	add := b.get(list.link(t, "+ Add New Application")).wantStatus(t, http.StatusOK).wantText(t, "Search")
	if add.URL.Path != "/admin/apps/new" {
		t.Fatalf("+ Add New Application is %s", add.URL)
	}
	found := b.get("/admin/apps/new?q=quip").wantStatus(t, http.StatusOK).wantText(t, "Quip", "Select")
	found.wantNoText(t, "Custom SAML App", "Bookmark</h2>")
	b.get("/admin/apps/new?q=nothing-like-this").wantStatus(t, http.StatusOK).wantText(t, "No application in the catalog matches")

	selected := b.get(found.link(t, "Select")).wantStatus(t, http.StatusOK).wantText(t, "Quip", "Next")
	details := b.get(selected.link(t, "Next")).wantStatus(t, http.StatusOK)
	details.wantText(t, "Display Label", "Description", "User Portal Image", "Show in User Portal", "Advanced Settings",
		"SSO IdP URL", e.URL+"/saml2/quip", "Save Application", `value="Quip"`)
	details.wantNoText(t, "Bookmark URL")

	// A GIF is refused by the image field; nothing is created and the
	// values typed are kept.
	form := url.Values{"template": {"quip"}, "label": {"Quip"}, "description": {"Docs for the team"}, "showInPortal": {"on"}}
	p := b.upload("/admin/apps/new/details", form, map[string][]byte{"image": testGIF})
	p.wantStatus(t, http.StatusBadRequest).wantText(t, "must be a PNG or JPEG image", `value="Quip"`, "Docs for the team")
	if _, total := e.listApps(); total != 0 {
		t.Fatalf("a refused form created %d apps", total)
	}

	// A bad label with a good image: the label's error, and the image is
	// kept for the next attempt.
	form.Set("label", "")
	p = b.upload("/admin/apps/new/details", form, map[string][]byte{"image": testPNG(t)})
	p.wantStatus(t, http.StatusBadRequest).wantText(t, "is required", "The image you chose is kept", `name="imageData"`)
	kept := regexp.MustCompile(`name="imageData" value="([^"]+)"`).FindStringSubmatch(p.Body)
	if kept == nil {
		t.Fatal("no kept image")
	}

	// Save Application with the kept image.
	form.Set("label", "Quip")
	form.Set("imageData", html.UnescapeString(kept[1]))
	saved := b.upload("/admin/apps/new/details", form, nil).wantStatus(t, http.StatusOK)
	saved.wantText(t, "Application saved", "Configure Application", "Close")
	m := appIDRE.FindStringSubmatch(saved.URL.Path)
	if m == nil || !strings.HasSuffix(saved.URL.Path, "/saved") {
		t.Fatalf("after Save Application: %s", saved.URL)
	}
	id := m[1]
	a, err := e.getApp(id)
	if err != nil {
		t.Fatal(err)
	}
	if a.Label != "Quip" || a.Description != "Docs for the team" || !a.ShowInPortal || a.ImageType != directory.ImagePNG ||
		a.IdPURL != e.URL+"/saml2/quip" || a.TemplateID != "quip" || !a.SSOActive {
		t.Fatalf("created app: %+v", a)
	}
	if saved.link(t, "Close") != "/admin/apps" {
		t.Fatal("Close does not go back to the list")
	}

	sso := b.get(saved.link(t, "Configure Application")).wantStatus(t, http.StatusOK).wantPath(t, "/admin/apps/"+id+"/sso")
	sso.wantText(t, "IdP Entity ID", "SP Entity ID", "ACS URL", "Export Metadata", "SSO not configured",
		e.URL+"/saml2/quip/metadata", `aria-current="page">SSO</a>`, "JIT required", "firstname", "lastname")

	// The list shows it with its badges and its Export Metadata link.
	b.get("/admin/apps?q=qui").wantStatus(t, http.StatusOK).
		wantText(t, "Quip", "SSO not configured", "IdM not configured", "/admin/apps/"+id+"/metadata", `name="id" value="`+id+`"`)
	b.get("/admin/apps?q=zzz").wantStatus(t, http.StatusOK).wantText(t, "No configured application matches")
	// The image is served to the General Info tab.
	img := b.get("/admin/apps/"+id+"/image").wantStatus(t, http.StatusOK)
	if img.Header.Get("Content-Type") != "image/png" || img.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("image headers: %v", img.Header)
	}
}

func (e *env) listApps() ([]directory.App, int) {
	e.t.Helper()
	var apps []directory.App
	var total int
	if err := e.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		apps, total, err = tx.ListApps(ctx, directory.AppFilter{})
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return apps, total
}

func TestAppsCreateAdvancedAndBookmark(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(directory.RoleAdmin)
	b.get("/admin/apps/new/details?template=quip").wantStatus(t, http.StatusOK)

	// Advanced Settings: an IdP URL elsewhere is refused by its field.
	form := url.Values{"template": {"quip"}, "label": {"Quip EU"}, "idpUrl": {"https://evil.example/saml2/x"}}
	b.post("/admin/apps/new/details", form).wantStatus(t, http.StatusBadRequest).
		wantText(t, "must be "+e.URL+"/saml2/", `value="https://evil.example/saml2/x"`, `value="Quip EU"`)
	form.Set("idpUrl", e.URL+"/saml2/quip-eu")
	p := b.post("/admin/apps/new/details", form).wantStatus(t, http.StatusOK).wantText(t, "Application saved", e.URL+"/saml2/quip-eu")
	a, _ := e.getApp(appIDRE.FindStringSubmatch(p.URL.Path)[1])
	if a.Slug != "quip-eu" || a.ShowInPortal {
		t.Fatalf("app: %+v (Show in User Portal was unchecked)", a)
	}
	// The same IdP URL again: a conflict on the field.
	b.post("/admin/apps/new/details", form).wantStatus(t, http.StatusConflict).wantText(t, "another application already uses this IdP URL")

	// A bookmark needs its Bookmark URL and has no Advanced Settings.
	b.get("/admin/apps/new/details?template=bookmark").wantStatus(t, http.StatusOK).wantText(t, "Bookmark URL").wantNoText(t, "Advanced Settings")
	bm := url.Values{"template": {"bookmark"}, "label": {"Wiki"}, "bookmarkUrl": {"javascript:alert(1)"}}
	b.post("/admin/apps/new/details", bm).wantStatus(t, http.StatusBadRequest).wantText(t, "must be an http or https URL")
	bm.Set("bookmarkUrl", "https://wiki.example.com/login")
	p = b.post("/admin/apps/new/details", bm).wantStatus(t, http.StatusOK).wantText(t, "Application saved")
	id := appIDRE.FindStringSubmatch(p.URL.Path)[1]
	// Its SSO tab offers Deactivate Bookmark; its General Info edits the URL.
	b.get("/admin/apps/"+id+"/sso").wantStatus(t, http.StatusOK).wantText(t, "Deactivate Bookmark")
	b.post("/admin/apps/"+id, url.Values{"label": {"Wiki"}, "bookmarkUrl": {"ftp://x"}, "showInPortal": {"on"}}).
		wantStatus(t, http.StatusBadRequest).wantText(t, "must be an http or https URL", `value="ftp://x"`)
	b.post("/admin/apps/"+id, url.Values{"label": {"Team Wiki"}, "bookmarkUrl": {"https://wiki.example.com/sso"}}).
		wantStatus(t, http.StatusOK).wantText(t, "General info saved.")
	a, _ = e.getApp(id)
	if a.Label != "Team Wiki" || a.BookmarkURL != "https://wiki.example.com/sso" || a.ShowInPortal {
		t.Fatalf("after General Info save: %+v", a)
	}

	// Unknown catalog entries are 404, a missing one 400.
	b.get("/admin/apps/new/select?template=nope").wantStatus(t, http.StatusNotFound)
	b.get("/admin/apps/new/details").wantStatus(t, http.StatusBadRequest)
	b.post("/admin/apps/new/details", url.Values{"template": {"nope"}, "label": {"x"}}).wantStatus(t, http.StatusNotFound)
}

func TestAppGeneralInfoAndImage(t *testing.T) {
	e := newEnv(t)
	a := e.quipApp("Quip")
	b := e.signedIn(directory.RoleAdmin)
	p := b.get("/admin/apps/"+a.ID).wantStatus(t, http.StatusOK).wantText(t, "General Info", a.IdPURL, "not editable")
	p.wantNoText(t, "Bookmark URL")

	// A rejected form keeps what was typed.
	b.post("/admin/apps/"+a.ID, url.Values{"label": {strings.Repeat("x", 200)}, "description": {"kept text"}}).
		wantStatus(t, http.StatusBadRequest).wantText(t, "must be at most 128 characters", "kept text")
	if got, _ := e.getApp(a.ID); got.Label != "Quip" || !got.ShowInPortal {
		t.Fatalf("a refused form changed the app: %+v", got)
	}
	b.post("/admin/apps/"+a.ID, url.Values{"label": {"Quip (prod)"}, "description": {"d"}}).wantStatus(t, http.StatusOK).wantText(t, "General info saved.")
	if got, _ := e.getApp(a.ID); got.Label != "Quip (prod)" || got.ShowInPortal {
		t.Fatalf("after save: %+v", got)
	}

	b.upload("/admin/apps/"+a.ID+"/image", nil, map[string][]byte{"image": testGIF}).wantStatus(t, http.StatusBadRequest).wantText(t, "PNG or JPEG")
	b.upload("/admin/apps/"+a.ID+"/image", nil, map[string][]byte{"image": testPNG(t)}).wantStatus(t, http.StatusOK).wantText(t, "User portal image saved.", "/admin/apps/"+a.ID+"/image?v=")
	b.post("/admin/apps/"+a.ID+"/image/remove", nil).wantStatus(t, http.StatusOK).wantText(t, "User portal image removed.")
	if got, _ := e.getApp(a.ID); got.ImageType != "" {
		t.Fatalf("image not removed: %+v", got)
	}
	b.get("/admin/apps/"+a.ID+"/image").wantStatus(t, http.StatusNotFound)
}

func TestAppSSOSettings(t *testing.T) {
	e := newEnv(t)
	a := e.quipApp("Quip")
	b := e.signedIn(directory.RoleAdmin)
	b.get("/admin/apps/"+a.ID+"/sso").wantStatus(t, http.StatusOK)
	before := e.appSSO(a.ID)

	// A bad ACS URL: its error by the field, every value kept, nothing saved.
	f := ssoForm(before)
	f.Set("spEntityId", "https://acme.quip.com")
	f["acsUrls"] = []string{"https://acme.quip.com/saml/acs", "javascript:alert(1)"}
	f.Set("defaultRelayState", "/welcome")
	p := b.post("/admin/apps/"+a.ID+"/sso", f).wantStatus(t, http.StatusBadRequest)
	p.wantText(t, "must be an http or https URL", `value="https://acme.quip.com"`, `value="https://acme.quip.com/saml/acs"`,
		`value="javascript:alert(1)"`, `value="/welcome"`)
	if !regexp.MustCompile(`id="acsUrl-1" name="acsUrls" value="javascript:alert\(1\)" maxlength="2048" aria-invalid="true">\s*<span class="field-error"`).MatchString(p.Body) {
		t.Fatalf("the error is not next to the second ACS URL:\n%s", p.Body)
	}
	if got := e.appSSO(a.ID); got.SPEntityID != "" || len(got.ACSURLs) != 0 {
		t.Fatalf("a refused form saved: %+v", got)
	}

	// Fixed: saved, with the NameID and signing choices.
	f["acsUrls"] = []string{"https://acme.quip.com/saml/acs", ""}
	f.Set("nameIdFormat", directory.NameIDPersistent)
	f.Set("sign", directory.SignBoth)
	b.post("/admin/apps/"+a.ID+"/sso", f).wantStatus(t, http.StatusOK).wantText(t, "SSO settings saved.", "SSO active")
	got := e.appSSO(a.ID)
	if got.SPEntityID != "https://acme.quip.com" || len(got.ACSURLs) != 1 || got.NameIDFormat != directory.NameIDPersistent ||
		got.Sign != directory.SignBoth || got.DefaultRelayState != "/welcome" {
		t.Fatalf("saved: %+v", got)
	}

	// An SP certificate that is not PEM is refused by its field.
	f.Set("spCertificate", "not a certificate")
	b.post("/admin/apps/"+a.ID+"/sso", f).wantStatus(t, http.StatusBadRequest).wantText(t, "is not a PEM X.509 certificate", "not a certificate")
}

func TestAppSSOJITAttributes(t *testing.T) {
	e := newEnv(t)
	a := e.quipApp("Quip")
	b := e.signedIn(directory.RoleAdmin)
	b.get("/admin/apps/"+a.ID+"/sso").wantStatus(t, http.StatusOK)
	cur := e.appSSO(a.ID)
	if len(cur.Attributes) < 3 || cur.Attributes[1].Name != "firstname" || !cur.Attributes[1].JITRequired {
		t.Fatalf("Quip's attributes: %+v", cur.Attributes)
	}

	// Toggle off firstname; lastname from a constant; add a custom one.
	f := ssoForm(cur)
	f.Del("attributes[1].enabled")
	f.Set("attributes[2].attribute", "")
	f.Set("attributes[2].constant", "Unknown")
	f.Set("attrCount", "5")
	f.Set("attributes[4].new", "1")
	f.Set("attributes[4].name", "department")
	f.Set("attributes[4].attribute", "employeeIdentifier")
	f.Set("attributes[4].enabled", "on")
	b.post("/admin/apps/"+a.ID+"/sso", f).wantStatus(t, http.StatusOK).wantText(t, "SSO settings saved.")
	got := e.appSSO(a.ID)
	if len(got.Attributes) != 5 {
		t.Fatalf("attributes: %+v", got.Attributes)
	}
	first, last, dept := got.Attributes[1], got.Attributes[2], got.Attributes[4]
	if first.Enabled || !first.JITRequired || first.Name != "firstname" {
		t.Fatalf("firstname not toggled off: %+v", first)
	}
	if last.Source.Constant != "Unknown" || last.Source.Attribute != "" || !last.JITRequired {
		t.Fatalf("lastname: %+v", last)
	}
	if dept.Name != "department" || dept.Source.Attribute != "employeeIdentifier" || dept.JITRequired || !dept.Enabled {
		t.Fatalf("new attribute: %+v", dept)
	}
	// The page shows the toggle off.
	p := b.get("/admin/apps/"+a.ID+"/sso").wantStatus(t, http.StatusOK)
	if !strings.Contains(p.Body, `name="attributes[1].enabled" value="on">`) || !strings.Contains(p.Body, `name="attributes[0].enabled" value="on" checked>`) {
		t.Fatalf("toggles not shown:\n%s", p.Body)
	}

	// A JIT-required name cannot change: refused by that row, values kept.
	f = ssoForm(got)
	f.Set("attributes[0].name", "mail")
	p = b.post("/admin/apps/"+a.ID+"/sso", f).wantStatus(t, http.StatusBadRequest)
	p.wantText(t, "is required for JIT provisioning", `value="mail"`)
	// A constant typed while the row still takes a directory attribute is
	// refused, not dropped.
	f = ssoForm(got)
	f.Set("attributes[3].constant", "Staff")
	b.post("/admin/apps/"+a.ID+"/sso", f).wantStatus(t, http.StatusBadRequest).
		wantText(t, "must have exactly one of attribute or constant", `value="Staff"`)
	// A custom one can be removed.
	f = ssoForm(got)
	f.Set("attributes[4].remove", "on")
	b.post("/admin/apps/"+a.ID+"/sso", f).wantStatus(t, http.StatusOK)
	if n := len(e.appSSO(a.ID).Attributes); n != 4 {
		t.Fatalf("after removal: %d attributes", n)
	}
}

func TestAppSSOImportSPMetadata(t *testing.T) {
	e := newEnv(t)
	a := e.quipApp("Quip")
	b := e.signedIn(directory.RoleAdmin)
	b.get("/admin/apps/"+a.ID+"/sso").wantStatus(t, http.StatusOK)
	md := `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://acme.quip.com">
<SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</NameIDFormat>
<AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://acme.quip.com/saml/acs" index="0"/>
</SPSSODescriptor></EntityDescriptor>`
	bad := strings.Replace(md, "https://acme.quip.com/saml/acs", "javascript:alert(1)", 1)
	b.upload("/admin/apps/"+a.ID+"/sso/metadata", url.Values{"metadataXml": {bad}}, nil).
		wantStatus(t, http.StatusBadRequest).wantText(t, "AssertionConsumerService", "javascript:alert(1)")
	if got := e.appSSO(a.ID); got.SPEntityID != "" {
		t.Fatalf("refused metadata saved: %+v", got)
	}
	b.upload("/admin/apps/"+a.ID+"/sso/metadata", nil, map[string][]byte{"metadata": []byte(md)}).
		wantStatus(t, http.StatusOK).wantText(t, "Service provider metadata imported.", `value="https://acme.quip.com"`)
	if got := e.appSSO(a.ID); got.SPEntityID != "https://acme.quip.com" || len(got.ACSURLs) != 1 || got.ACSURLs[0] != "https://acme.quip.com/saml/acs" {
		t.Fatalf("imported: %+v", got)
	}
	b.upload("/admin/apps/"+a.ID+"/sso/metadata", nil, nil).wantStatus(t, http.StatusBadRequest).wantText(t, "choose the service provider's metadata file")
}

func TestAppExportMetadata(t *testing.T) {
	e := newEnv(t)
	a := e.quipApp("Quip")
	b := e.signedIn(directory.RoleAdmin)
	p := b.get("/admin/apps/"+a.ID+"/metadata").wantStatus(t, http.StatusOK)
	if cd := p.Header.Get("Content-Disposition"); cd != `attachment; filename=Jumpgate-Quip-metadata.xml` && cd != `attachment; filename="Jumpgate-Quip-metadata.xml"` {
		t.Fatalf("Content-Disposition: %q", cd)
	}
	if ct := p.Header.Get("Content-Type"); ct != "application/samlmetadata+xml" {
		t.Fatalf("Content-Type: %q", ct)
	}
	var md idpMetadata
	if err := xml.Unmarshal([]byte(p.Body), &md); err != nil {
		t.Fatalf("metadata is not XML: %v\n%s", err, p.Body)
	}
	if md.EntityID != a.IdPURL || len(md.IDP) != 1 {
		t.Fatalf("metadata: %+v", md)
	}
	keys := e.keys(a.ID)
	if len(md.IDP[0].Keys) != 1 || squash(md.IDP[0].Keys[0].Cert) != pemBody(keys[0].CertificatePEM) {
		t.Fatalf("metadata certificate is not the active key's: %+v", md.IDP[0].Keys)
	}
	bindings := map[string]string{}
	for _, s := range md.IDP[0].SSO {
		bindings[s.Binding] = s.Location
	}
	if bindings["urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"] != a.IdPURL || bindings["urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"] != a.IdPURL {
		t.Fatalf("SingleSignOnService: %+v", md.IDP[0].SSO)
	}
	// A bookmark has no metadata.
	bm, err := e.Service.CreateApp(ctx, sysActor, newBookmark("Wiki"))
	if err != nil {
		t.Fatal(err)
	}
	b.get("/admin/apps/"+bm.ID+"/metadata").wantStatus(t, http.StatusConflict)
}

package main

import (
	"encoding/xml"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

var demoAdminPasswordRE = regexp.MustCompile(`Admin password: (\S+)`)

// browserDemo starts the whole demo (Jumpgate and quipsim) for browser
// tests and returns it with the admin's password.
func browserDemo(t *testing.T) (*demoRun, string) {
	t.Helper()
	r := startDemo(t, t.TempDir(), "127.0.0.1:0", "127.0.0.1:0")
	m := demoAdminPasswordRE.FindStringSubmatch(r.out)
	if m == nil {
		t.Fatalf("the demo printed no admin password:\n%s", r.out)
	}
	return r, m[1]
}

// adminSignIn signs the tab in to the admin portal as the demo admin.
func (c *chrome) adminSignIn(r *demoRun, password string) {
	c.t.Helper()
	c.do("open the admin portal", chromedp.Navigate(r.url+"/admin"), chromedp.WaitVisible(chromedp.CSS("#email")))
	c.do("type the admin login",
		chromedp.SendKeys(chromedp.CSS("#email"), DemoAdminEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), password))
	c.shot("admin-sign-in")
	c.do("sign in", chromedp.Click(chromedp.CSS(`main button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`nav a[href="/admin/apps"]`)))
}

// xp selects by XPath.
func xp(expr string) string { return expr }

// TestBrowserApplications follows the integration guide in the admin
// portal: creating a new application integration for Quip, its SSO
// settings and Export Metadata, binding a user group, and deleting it with
// the count confirmation.
func TestBrowserApplications(t *testing.T) {
	r, pw := browserDemo(t)
	c := newChrome(t)
	c.adminSignIn(r, pw)

	// USER AUTHENTICATION › SSO Applications › + Add New Application.
	c.do("open SSO Applications", chromedp.Click(chromedp.CSS(`nav a[href="/admin/apps"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/apps/new"]`)))
	c.shot("01-sso-applications")
	c.do("add new application", chromedp.Click(chromedp.CSS(`a[href="/admin/apps/new"]`)), chromedp.WaitVisible(chromedp.CSS("#catalog")))
	c.do("search the catalog", chromedp.SendKeys(chromedp.CSS("#q"), "Quip"), chromedp.Submit(chromedp.CSS("#q")),
		chromedp.WaitVisible(chromedp.CSS(`a[aria-label="Select Quip"]`)))
	c.shot("02-catalog-search")
	c.do("select Quip", chromedp.Click(chromedp.CSS(`a[aria-label="Select Quip"]`)), chromedp.WaitVisible(xp(`//a[normalize-space()="Next"]`)))
	c.do("next", chromedp.Click(xp(`//a[normalize-space()="Next"]`)), chromedp.WaitVisible(chromedp.CSS("#label")))
	c.do("fill the details", c.set("#label", "Quip Sales"))
	c.shot("03-application-details")
	c.do("save application", chromedp.Click(xp(`//button[normalize-space()="Save Application"]`)),
		chromedp.WaitVisible(xp(`//a[normalize-space()="Configure Application"]`)))
	c.shot("04-application-saved")
	c.do("configure application", chromedp.Click(xp(`//a[normalize-space()="Configure Application"]`)),
		chromedp.WaitVisible(chromedp.CSS("#sso-settings")))
	if loc := c.location(); !strings.HasSuffix(loc, "/sso") {
		t.Fatalf("Configure Application led to %s", loc)
	}

	// SSO tab: the service provider's values and a JIT attribute, then save.
	c.do("fill SSO settings",
		c.set("#spEntityId", "https://sales.quip.example/sp"),
		c.set("#acsUrl-0", "https://sales.quip.example/saml/acs"),
		chromedp.Click(chromedp.CSS("#attr-0-enabled")))
	c.shot("05-sso-tab")
	c.do("save SSO settings", chromedp.Click(chromedp.CSS(`#sso-settings button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#notice")))
	if v, err := chromedp.Run(c.ctx, chromedp.Value(chromedp.CSS("#spEntityId"))); err != nil || v != "https://sales.quip.example/sp" {
		t.Fatalf("SP entity ID after save: %q %v", v, err)
	}

	// Export Metadata downloads the IdP metadata.
	name, data := c.download("export metadata", chromedp.Click(xp(`//a[normalize-space()="Export Metadata"]`)))
	if name != "Jumpgate-Quip-Sales-metadata.xml" && !strings.HasSuffix(name, "-metadata.xml") {
		t.Fatalf("downloaded %q", name)
	}
	var md struct {
		XMLName  xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:metadata EntityDescriptor"`
		EntityID string   `xml:"entityID,attr"`
		IDP      struct {
			SSO []struct {
				Binding  string `xml:"Binding,attr"`
				Location string `xml:"Location,attr"`
			} `xml:"SingleSignOnService"`
			Certs []string `xml:"KeyDescriptor>KeyInfo>X509Data>X509Certificate"`
		} `xml:"IDPSSODescriptor"`
	}
	if err := xml.Unmarshal(data, &md); err != nil {
		t.Fatalf("metadata is not valid XML: %v\n%s", err, data)
	}
	if len(md.IDP.SSO) == 0 || !strings.HasPrefix(md.IDP.SSO[0].Location, r.url+"/saml2/") || len(md.IDP.Certs) == 0 {
		t.Fatalf("metadata: %+v", md)
	}

	// User Groups tab: authorize Quip Users.
	c.do("open User Groups tab", chromedp.Click(xp(`//nav[@class="tabs"]/a[normalize-space()="User Groups"]`)),
		chromedp.WaitVisible(xp(`//tr[td[contains(., "Quip Users")]]//input[@type="checkbox"]`)))
	c.do("bind Quip Users", chromedp.Click(xp(`//tr[td[contains(., "Quip Users")]]//input[@type="checkbox"]`)),
		chromedp.Click(xp(`//button[normalize-space()="save"]`)), chromedp.WaitVisible(chromedp.CSS("#notice")))
	c.shot("06-user-groups-tab")
	checked, err := chromedp.Run(c.ctx, chromedp.Evaluate[bool](`document.evaluate('//tr[td[contains(., "Quip Users")]]//input[@type="checkbox"]', document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue.checked`))
	if err != nil || !checked {
		t.Fatalf("Quip Users is not bound after save: %v %v", checked, err)
	}

	// Delete it from the list, typing the number of applications.
	c.do("back to the list", chromedp.Navigate(r.url+"/admin/apps"), chromedp.WaitVisible(chromedp.CSS(`input[aria-label="Select Quip Sales"]`)))
	c.do("select and delete", chromedp.Click(chromedp.CSS(`input[aria-label="Select Quip Sales"]`)),
		chromedp.Click(xp(`//button[normalize-space()="Delete"]`)), chromedp.WaitVisible(chromedp.CSS("#confirm")))
	c.do("type a wrong count", chromedp.SendKeys(chromedp.CSS("#confirm"), "2"), chromedp.Click(xp(`//button[normalize-space()="Delete Application"]`)),
		chromedp.WaitVisible(chromedp.CSS("#error")))
	c.shot("07-delete-confirmation")
	c.do("type the count", c.set("#confirm", "1"), chromedp.Click(xp(`//button[normalize-space()="Delete Application"]`)),
		chromedp.WaitVisible(chromedp.CSS("#notice")))
	if strings.Contains(c.text("main"), "Quip Sales") && !strings.Contains(c.text("#notice"), "Quip Sales") {
		t.Fatalf("Quip Sales is still listed: %s", c.text("main"))
	}
}

// TestBrowserConsoleAndSSO signs Alice in to the user console and opens Quip
// from its tile (IdP-initiated), then signs in again starting at quipsim's
// home page (SP-initiated).
func TestBrowserConsoleAndSSO(t *testing.T) {
	r, _ := browserDemo(t)
	c := newChrome(t)
	c.do("open the console", chromedp.Navigate(r.url+"/console"), chromedp.WaitVisible(chromedp.CSS("#login")))
	c.do("sign in as Alice", chromedp.SendKeys(chromedp.CSS("#login"), "alice"), chromedp.SendKeys(chromedp.CSS("#password"), "alice-demo-password"),
		chromedp.Click(chromedp.CSS(`main button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(".tiles")))
	c.shot("01-console-tiles")
	c.do("open Quip", chromedp.Click(xp(`//ul[@class="tiles"]//*[contains(., "Quip")]`)),
		chromedp.WaitVisible(chromedp.CSS("#email")))
	if loc := c.location(); !strings.HasPrefix(loc, r.quip+"/c/acme/") {
		t.Fatalf("the Quip tile led to %s", loc)
	}
	c.wantText("#email", "alice@")
	c.shot("02-quip-idp-initiated")

	sp := newChrome(t)
	sp.do("open quipsim", chromedp.Navigate(r.quip+"/c/acme/"), chromedp.WaitVisible(chromedp.CSS("#sso")))
	sp.shot("03-quip-home")
	sp.do("sign in with SSO", chromedp.Click(chromedp.CSS("#sso")), chromedp.WaitVisible(chromedp.CSS("#login")))
	if loc := sp.location(); !strings.HasPrefix(loc, r.url+"/console/login") {
		t.Fatalf("Sign in with SSO led to %s", loc)
	}
	sp.do("sign in as Alice", chromedp.SendKeys(chromedp.CSS("#login"), "alice@acme.test"), chromedp.SendKeys(chromedp.CSS("#password"), "alice-demo-password"),
		chromedp.Click(chromedp.CSS(`main button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#email")))
	if loc := sp.location(); !strings.HasPrefix(loc, r.quip+"/c/acme/") {
		t.Fatalf("after signing in: %s", loc)
	}
	sp.wantText("#email", "alice@")
	sp.shot("04-quip-sp-initiated")
}

// TestBrowserIdentityManagement configures and activates identity
// management against quipsim, imports a New user from Quip with the
// New-only filter, and filters Directory Insights.
func TestBrowserIdentityManagement(t *testing.T) {
	r, pw := browserDemo(t)
	c := newChrome(t)
	c.adminSignIn(r, pw)

	// A second Quip instance, configured from its Identity Management tab.
	c.do("new Quip app", chromedp.Navigate(r.url+"/admin/apps/new/details?template=quip"), chromedp.WaitVisible(chromedp.CSS("#label")),
		c.set("#label", "Quip EU"), chromedp.Click(xp(`//button[normalize-space()="Save Application"]`)),
		chromedp.WaitVisible(xp(`//a[normalize-space()="Configure Application"]`)),
		chromedp.Click(xp(`//a[normalize-space()="Configure Application"]`)), chromedp.WaitVisible(chromedp.CSS("#sso-settings")))
	c.do("open Identity Management", chromedp.Click(xp(`//nav[@class="tabs"]/a[normalize-space()="Identity Management"]`)),
		chromedp.WaitVisible(chromedp.CSS("#configure")))
	c.do("a wrong token", c.set("#baseUrl", r.quip+"/business/admin/scim"), c.set("#token", "not-the-token"),
		chromedp.Click(xp(`//form[@id="configure"]//button[normalize-space()="Activate"]`)), chromedp.WaitVisible(chromedp.CSS("#error")))
	if v, err := chromedp.Run(c.ctx, chromedp.Value(chromedp.CSS("#token"))); err != nil || v != "" {
		t.Fatalf("the token field is filled back: %q %v", v, err)
	}
	c.do("the right token", c.set("#baseUrl", r.quip+"/business/admin/scim"), c.set("#token", r.token))
	c.shot("01-idm-configure")
	c.do("activate", chromedp.Click(xp(`//form[@id="configure"]//button[normalize-space()="Activate"]`)), chromedp.WaitVisible(chromedp.CSS("#status")))
	c.wantText("#status", "active")
	// As the guide says: under the application's name, a Deactivate IdM connection link.
	c.do("the panel's deactivate link", chromedp.WaitVisible(chromedp.CSS("#panel-deactivate-idm")))
	c.shot("02-idm-active")

	// Manual import on the demo's Quip app, New users only.
	c.do("open the Quip app", chromedp.Navigate(r.url+"/admin/apps"), chromedp.WaitVisible(xp(`//a[normalize-space()="Quip"]`)),
		chromedp.Click(xp(`//a[normalize-space()="Quip"]`)),
		chromedp.WaitVisible(xp(`//nav[@class="tabs"]/a[normalize-space()="Identity Management"]`)),
		chromedp.Click(xp(`//nav[@class="tabs"]/a[normalize-space()="Identity Management"]`)), chromedp.WaitVisible(chromedp.CSS("#import-link")))
	c.shot("03-idm-status")
	c.do("manual import", chromedp.Click(chromedp.CSS("#import-link")), chromedp.WaitVisible(chromedp.CSS("#show")))
	c.do("New users only", chromedp.SetValue(chromedp.CSS("#show"), "new_only"), chromedp.Click(xp(`//button[normalize-space()="Filter"]`)),
		c.waitURL("show=new_only"), chromedp.WaitVisible(chromedp.CSS(`input[aria-label^="Select dana@"]`)))
	c.wantText("#candidates", "dana@acme.test", "eve@acme.test")
	if strings.Contains(c.text("#candidates"), "alice@") {
		t.Fatalf("the New-only list shows an imported user: %s", c.text("#candidates"))
	}
	c.do("select Dana", chromedp.Click(chromedp.CSS(`input[aria-label^="Select dana@"]`)))
	c.shot("04-import-new-only")
	c.do("import", chromedp.Click(xp(`//button[normalize-space()="import"]`)), chromedp.WaitVisible(chromedp.CSS("#summary")))
	c.wantText("#summary", "1 created")
	c.wantText("#results", "dana")
	c.shot("05-import-result")

	// Directory Insights, filtered to the users the import created.
	c.do("open Directory Insights", chromedp.Click(chromedp.CSS(`nav a[href="/admin/insights"]`)), chromedp.WaitVisible(chromedp.CSS("#filters")))
	c.shot("06-insights")
	c.do("filter by event type", chromedp.Click(xp(`//summary[starts-with(normalize-space(), "Event types")]`)),
		chromedp.Click(chromedp.CSS("#type-user_create")), chromedp.Click(xp(`//button[normalize-space()="Apply filters"]`)),
		c.waitURL("event_type=user_create"), chromedp.WaitVisible(chromedp.CSS("#chart")))
	types, err := chromedp.Run(c.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("tr.event td:nth-child(2)")].map(e => e.textContent.trim())`))
	if err != nil || len(types) == 0 {
		c.failed("events after filtering", fmt.Errorf("%v %v", types, err))
	}
	for _, typ := range types {
		if typ != "user_create" {
			t.Fatalf("a %s event is listed under the user_create filter", typ)
		}
	}
	if !strings.Contains(c.text(`table[aria-describedby="events-heading"]`), "dana") {
		t.Fatalf("Dana's creation is not listed: %s", c.text(`table[aria-describedby="events-heading"]`))
	}
	c.shot("07-insights-filtered")
}

// TestBrowserUsersAndGroups follows steps 2 and 3 of the demo's
// walk-through in the portal: Bob is added to Quip Users from the group's
// page and appears in quipsim; Carol is suspended from her page and is
// deactivated in quipsim. The group's Applications tab shows the binding.
func TestBrowserUsersAndGroups(t *testing.T) {
	r, pw := browserDemo(t)
	c := newChrome(t)
	c.adminSignIn(r, pw)
	c.do("users list", chromedp.WaitVisible(chromedp.CSS("main table")))
	c.wantText("main table", "alice", "bob", "carol")
	c.shot("01-users")

	// Step 2: add Bob to Quip Users.
	c.do("open User Groups", chromedp.Click(chromedp.CSS(`nav a[href="/admin/groups"]`)), chromedp.WaitVisible(chromedp.CSS("#groups")),
		chromedp.Click(xp(`//table[@id="groups"]//a[normalize-space()="Quip Users"]`)),
		chromedp.WaitVisible(xp(`//nav[@class="tabs"]/a[starts-with(normalize-space(), "Users")]`)),
		chromedp.Click(xp(`//nav[@class="tabs"]/a[starts-with(normalize-space(), "Users")]`)), chromedp.WaitVisible(chromedp.CSS("#find")))
	c.do("find Bob", chromedp.SendKeys(chromedp.CSS("#find"), "bob"), chromedp.Submit(chromedp.CSS("#find")), c.waitURL("find=bob"),
		chromedp.WaitVisible(chromedp.CSS(`input[aria-label="Add bob"]`)))
	c.do("add Bob", chromedp.Click(chromedp.CSS(`input[aria-label="Add bob"]`)), chromedp.Click(xp(`//button[normalize-space()="Add selected"]`)),
		chromedp.WaitVisible(chromedp.CSS("#notice")))
	c.wantText("#members", "bob")
	c.shot("02-group-members")
	demoWaitFor(t, "Bob in quipsim", func() bool { u, ok := r.quipUsers(t)["bob@acme.test"]; return ok && u.Active })

	c.do("the group's Applications tab", chromedp.Click(xp(`//nav[@class="tabs"]/a[normalize-space()="Applications"]`)),
		chromedp.WaitVisible(xp(`//tr[td[contains(., "Quip")]]//input[@type="checkbox"]`)))
	checked, err := chromedp.Run(c.ctx, chromedp.Evaluate[bool](`document.evaluate('//tr[td[contains(., "Quip")]]//input[@type="checkbox"]', document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue.checked`))
	if err != nil || !checked {
		t.Fatalf("Quip is not checked on Quip Users' Applications tab: %v %v", checked, err)
	}
	c.shot("03-group-applications")

	// Step 3: suspend Carol.
	c.do("find Carol", chromedp.Click(chromedp.CSS(`nav a[href="/admin/users"]`)), chromedp.WaitVisible(chromedp.CSS("#q")),
		chromedp.SendKeys(chromedp.CSS("#q"), "carol"), chromedp.Submit(chromedp.CSS("#q")), c.waitURL("q=carol"),
		chromedp.Click(xp(`//main//table//a[normalize-space()="carol"]`)), chromedp.WaitVisible(chromedp.CSS("#user-state")))
	c.do("suspend Carol", chromedp.Click(xp(`//button[normalize-space()="Suspend"]`)), chromedp.WaitVisible(chromedp.CSS("#notice")))
	c.wantText("#user-state", "suspended")
	c.shot("04-user-suspended")
	demoWaitFor(t, "Carol deactivated in quipsim", func() bool { u, ok := r.quipUsers(t)["carol@acme.test"]; return ok && !u.Active })
}

package main

import (
	"encoding/xml"
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
	c.do("open the admin portal", chromedp.Navigate(r.url+"/admin/login?next=/admin/apps"), chromedp.WaitVisible(chromedp.CSS("#email")))
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

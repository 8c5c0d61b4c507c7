package portal_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
)

// testPNG is a small valid PNG image.
func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testGIF is the start of a GIF image: refused (PNG or JPEG only).
var testGIF = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// sysActor makes test fixtures.
var sysActor = directory.SystemActor

// quipApp creates a Quip application directly through the service.
func (e *env) quipApp(label string) *directory.App {
	e.t.Helper()
	a, err := e.Service.CreateApp(ctx, sysActor, lifecycle.NewApp{TemplateID: "quip", Label: label})
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *env) appSSO(id string) *directory.AppSSO {
	e.t.Helper()
	var s *directory.AppSSO
	if err := e.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		s, err = tx.GetAppSSO(ctx, id)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *env) getApp(id string) (*directory.App, error) {
	var a *directory.App
	err := e.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		a, err = tx.GetApp(ctx, id)
		return err
	})
	return a, err
}

func (e *env) keys(id string) []lifecycle.KeyInfo {
	e.t.Helper()
	ks, err := e.Service.AppKeys(ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return ks
}

func (e *env) boundGroups(appID string) []string {
	e.t.Helper()
	var ids []string
	if err := e.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		ids, err = tx.AppGroupIDs(ctx, appID)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return ids
}

// ssoForm is the SSO settings form as the page would post it for the
// stored settings s (attribute rows as shown, without the blank ones).
func ssoForm(s *directory.AppSSO) url.Values {
	f := url.Values{
		"idpEntityId": {s.IdPEntityID}, "spEntityId": {s.SPEntityID}, "spCertificate": {s.SPCertificate},
		"nameIdAttribute": {s.NameIDAttribute}, "nameIdFormat": {s.NameIDFormat},
		"signatureAlgorithm": {s.SignatureAlgorithm}, "sign": {s.Sign},
		"defaultRelayState": {s.DefaultRelayState}, "groupsAttribute": {s.GroupsAttribute},
		"attrCount": {fmt.Sprint(len(s.Attributes))},
	}
	for _, u := range s.ACSURLs {
		f.Add("acsUrls", u)
	}
	for i, a := range s.Attributes {
		p := fmt.Sprintf("attributes[%d].", i)
		f.Set(p+"name", a.Name)
		f.Set(p+"attribute", a.Source.Attribute)
		f.Set(p+"constant", a.Source.Constant)
		if a.Enabled {
			f.Set(p+"enabled", "on")
		}
	}
	return f
}

// idpMetadata is the part of IdP metadata the tests read.
type idpMetadata struct {
	XMLName  xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:metadata EntityDescriptor"`
	EntityID string   `xml:"entityID,attr"`
	IDP      []struct {
		Keys []struct {
			Use  string `xml:"use,attr"`
			Cert string `xml:"KeyInfo>X509Data>X509Certificate"`
		} `xml:"KeyDescriptor"`
		SSO []struct {
			Binding  string `xml:"Binding,attr"`
			Location string `xml:"Location,attr"`
		} `xml:"SingleSignOnService"`
	} `xml:"IDPSSODescriptor"`
}

// pemBody is the base64 body of a PEM certificate, on one line.
func pemBody(pemText string) string {
	var b strings.Builder
	for _, line := range strings.Split(pemText, "\n") {
		if line == "" || strings.HasPrefix(line, "-----") {
			continue
		}
		b.WriteString(strings.TrimSpace(line))
	}
	return b.String()
}

func squash(s string) string { return strings.Join(strings.Fields(s), "") }

// appIDRE finds the app id in /admin/apps/{id}/... paths.
var appIDRE = regexp.MustCompile(`^/admin/apps/([^/]+)/`)

// wantNoText fails the test if the page's text contains s.
func (p page) wantNoText(t *testing.T, ss ...string) page {
	t.Helper()
	for _, s := range ss {
		if strings.Contains(p.Body, s) {
			t.Fatalf("%s: page has %q", p.URL, s)
		}
	}
	return p
}

// wantPath fails the test unless the page ended at path.
func (p page) wantPath(t *testing.T, path string) page {
	t.Helper()
	if p.URL.Path != path {
		t.Fatalf("landed on %s, want %s (status %d)", p.URL, path, p.Status)
	}
	return p
}

var _ = http.StatusOK

func newBookmark(label string) lifecycle.NewApp {
	return lifecycle.NewApp{TemplateID: "bookmark", Label: label, BookmarkURL: "https://wiki.example.com/login"}
}

package directory_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

func fieldsOf(err error) string {
	var out []string
	for _, f := range directory.ErrorFields(err) {
		out = append(out, f.Field)
	}
	return strings.Join(out, ",")
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Quip":                  "quip",
		" Quip (Sales) ":        "quip-sales",
		"Ünïcode & Co.":         "n-code-co",
		"!!!":                   "app",
		strings.Repeat("a", 99): strings.Repeat("a", 60),
	} {
		got := directory.Slugify(in)
		if got != want || !directory.ValidSlug(got) {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"", "-a", "a-", "A", "a_b", "a/b", strings.Repeat("a", 65)} {
		if directory.ValidSlug(bad) {
			t.Errorf("ValidSlug(%q) = true", bad)
		}
	}
}

func TestAppValidate(t *testing.T) {
	ok := directory.App{Label: "Quip", Description: "line one\nline two", BookmarkURL: "https://x.example.com/login?a=b", IdPURL: "http://localhost:8080/saml2/quip", Slug: "quip"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid app: %v", err)
	}
	for _, c := range []struct {
		mod  func(a *directory.App)
		want string
	}{
		{func(a *directory.App) { a.Label = "" }, "label"},
		{func(a *directory.App) { a.Label = strings.Repeat("é", 129) }, "label"},
		{func(a *directory.App) { a.Label = "a\x00b" }, "label"},
		{func(a *directory.App) { a.Description = strings.Repeat("x", 1025) }, "description"},
		{func(a *directory.App) { a.Description = "bell\a" }, "description"},
		{func(a *directory.App) { a.BookmarkURL = "javascript:alert(1)" }, "bookmarkUrl"},
		{func(a *directory.App) { a.BookmarkURL = "ftp://x.example.com/" }, "bookmarkUrl"},
		{func(a *directory.App) { a.BookmarkURL = "/relative" }, "bookmarkUrl"},
		{func(a *directory.App) { a.BookmarkURL = "https://user:pw@x.example.com/" }, "bookmarkUrl"},
		{func(a *directory.App) { a.BookmarkURL = "https://x.example.com/#frag" }, "bookmarkUrl"},
		{func(a *directory.App) { a.IdPURL = "data:text/html,x" }, "idpUrl"},
		{func(a *directory.App) { a.Slug = "Bad Slug" }, "slug"},
		{func(a *directory.App) { a.Label, a.BookmarkURL = "", "x" }, "label,bookmarkUrl"},
	} {
		a := ok
		c.mod(&a)
		err := a.Validate()
		if directory.ErrorCode(err) != directory.EINVALID || fieldsOf(err) != c.want {
			t.Errorf("%+v: err %v fields %q, want %q", a, err, fieldsOf(err), c.want)
		}
	}
}

func TestAppUpdateApply(t *testing.T) {
	a := directory.App{Label: "Quip", ShowInPortal: true}
	show, label := false, " Quip Docs "
	next, fields := directory.AppUpdate{Label: &label, ShowInPortal: &show}.Apply(a)
	if next.Label != "Quip Docs" || next.ShowInPortal || len(fields) != 2 || fields[0].Field != "label" || fields[1] != (directory.FieldChange{Field: "showInPortal", From: "true", To: "false"}) {
		t.Fatalf("Apply = %+v %+v", next, fields)
	}
	if _, fields := (directory.AppUpdate{}).Apply(a); len(fields) != 0 {
		t.Fatalf("empty update changed %+v", fields)
	}
}

func encode(t *testing.T, format string, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, w, h))
	var err error
	if format == "png" {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestValidateImage(t *testing.T) {
	p := encode(t, "png", 32, 32)
	j := encode(t, "jpeg", 32, 32)
	if img, err := directory.ValidateImage(p); err != nil || img.ContentType != directory.ImagePNG {
		t.Fatalf("png: %+v %v", img, err)
	}
	if img, err := directory.ValidateImage(j); err != nil || img.ContentType != directory.ImageJPEG {
		t.Fatalf("jpeg: %+v %v", img, err)
	}
	for name, c := range map[string]struct {
		data []byte
		code string
	}{
		"empty":     {nil, directory.EINVALID},
		"svg":       {[]byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), directory.EINVALID},
		"svg bom":   {[]byte("\xef\xbb\xbf<?xml version=\"1.0\"?><svg/>"), directory.EINVALID},
		"gif":       {[]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), directory.EINVALID},
		"html":      {[]byte("<html><script>alert(1)</script>"), directory.EINVALID},
		"truncated": {p[:len(p)-20], directory.EINVALID},
		"png magic": {[]byte("\x89PNG\r\n\x1a\nrest is junk"), directory.EINVALID},
		"jpeg half": {j[:len(j)/2], directory.EINVALID},
		"too wide":  {encode(t, "png", directory.MaxImageSide+1, 1), directory.EINVALID},
		"too large": {append(append([]byte{}, p...), make([]byte, directory.MaxImageBytes)...), directory.ETOOLARGE},
	} {
		_, err := directory.ValidateImage(c.data)
		if directory.ErrorCode(err) != c.code || fieldsOf(err) != "image" {
			t.Errorf("%s: %v (fields %q)", name, err, fieldsOf(err))
		}
	}
}

func TestAppSSOValidate(t *testing.T) {
	base := func() directory.AppSSO {
		s := directory.AppSSO{IdPEntityID: "https://sso.example.com/saml2/quip", SPEntityID: "https://Quip.example.com",
			ACSURLs: []string{"https://quip.example.com/acs"}, GroupsAttribute: "memberOf",
			Attributes: []directory.AttributeStatement{
				{Name: "email", Source: directory.AttributeSource{Attribute: "email"}, Enabled: true, JITRequired: true},
				{Name: "team", Source: directory.AttributeSource{Constant: "blue"}},
			}}
		s.Normalize()
		return s
	}
	s := base()
	if err := s.Validate(); err != nil || s.NameIDAttribute != "email" || s.NameIDFormat != directory.NameIDEmailAddress ||
		s.SignatureAlgorithm != directory.SigRSASHA256 || s.Sign != directory.SignAssertion {
		t.Fatalf("defaults: %+v %v", s, err)
	}
	empty := directory.AppSSO{IdPEntityID: "urn:idp"}
	empty.Normalize()
	if err := empty.Validate(); err != nil || empty.Configured() || empty.ACSURLs == nil || empty.Attributes == nil {
		t.Fatalf("unconfigured settings: %+v %v", empty, err)
	}
	for _, c := range []struct {
		mod  func(s *directory.AppSSO)
		want string
	}{
		{func(s *directory.AppSSO) { s.IdPEntityID = "" }, "idpEntityId"},
		{func(s *directory.AppSSO) { s.SPEntityID = "a\nb" }, "spEntityId"},
		{func(s *directory.AppSSO) { s.ACSURLs = []string{"javascript:alert(1)"} }, "acsUrls[0]"},
		{func(s *directory.AppSSO) { s.ACSURLs = []string{"https://a.example.com/", "data:x"} }, "acsUrls[1]"},
		{func(s *directory.AppSSO) { s.ACSURLs = []string{"https://a.example.com/", "https://a.example.com/"} }, "acsUrls[1]"},
		{func(s *directory.AppSSO) { s.ACSURLs = make([]string, 17) }, "acsUrls," + strings.TrimSuffix(strings.Repeat("x,", 17), ",")},
		{func(s *directory.AppSSO) { s.NameIDAttribute = "password" }, "nameIdAttribute"},
		{func(s *directory.AppSSO) { s.NameIDFormat = "x509SubjectName" }, "nameIdFormat"},
		{func(s *directory.AppSSO) { s.SignatureAlgorithm = "RSA-MD5" }, "signatureAlgorithm"},
		{func(s *directory.AppSSO) { s.Sign = "none" }, "sign"},
		{func(s *directory.AppSSO) { s.DefaultRelayState = strings.Repeat("r", 2049) }, "defaultRelayState"},
		{func(s *directory.AppSSO) { s.Attributes[1].Name = "" }, "attributes[1].name"},
		{func(s *directory.AppSSO) { s.Attributes[1].Name = "email" }, "attributes[1].name"},
		{func(s *directory.AppSSO) { s.Attributes[1].Source = directory.AttributeSource{} }, "attributes[1].source"},
		{func(s *directory.AppSSO) { s.Attributes[1].Source.Attribute = "email" }, "attributes[1].source"},
		{func(s *directory.AppSSO) { s.Attributes[0].Source.Attribute = "ssn" }, "attributes[0].source.attribute"},
		{func(s *directory.AppSSO) { s.Attributes[1].Source.Constant = "a\x00" }, "attributes[1].source.constant"},
		{func(s *directory.AppSSO) { s.GroupsAttribute = "team" }, "groupsAttribute"},
	} {
		s := base()
		c.mod(&s)
		err := s.Validate()
		got := fieldsOf(err)
		if strings.HasPrefix(c.want, "acsUrls,") {
			if !strings.HasPrefix(got, "acsUrls,") {
				t.Errorf("too many ACS URLs: fields %q", got)
			}
			continue
		}
		if directory.ErrorCode(err) != directory.EINVALID || got != c.want {
			t.Errorf("want %q: err %v fields %q", c.want, err, got)
		}
	}
}

func TestUserAttribute(t *testing.T) {
	u := &directory.User{ID: "u1", Username: "ada", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", DisplayName: "Countess", EmployeeID: "E1"}
	for _, name := range directory.UserAttributes {
		if v, ok := directory.UserAttribute(u, name); !ok || v == "" {
			t.Errorf("UserAttribute(%s) = %q %v", name, v, ok)
		}
	}
	if _, ok := directory.UserAttribute(u, "password"); ok {
		t.Error("unknown attribute resolved")
	}
}

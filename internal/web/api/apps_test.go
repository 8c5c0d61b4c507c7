package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/web"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

const appBase = "https://sso.example.com"

// newAppEnv is newEnvDSN with a Service that can seal keys and knows the base URL.
func newAppEnv(t testing.TB, dsn string) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, err := secrets.New(bytes.Repeat([]byte{9}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc := &lifecycle.Service{Store: st, Sealer: sealer, BaseURL: appBase,
		Hasher: auth.Hasher{Params: auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}}
	admin, _ := svc.CreateAdmin(ctx, lifecycle.NewAdmin{Email: "admin@example.com"})
	ro, _ := svc.CreateAdmin(ctx, lifecycle.NewAdmin{Email: "ro@example.com", Role: directory.RoleReadOnly})
	adminKey, _, err := svc.CreateAPIKey(ctx, admin.ID, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	roKey, _, _ := svc.CreateAPIKey(ctx, ro.ID, "test", nil)
	h := &api.Handler{Store: st, Service: svc, Auth: &auth.Authenticator{Store: st}, RateLimits: api.RateLimits{Off: true}}
	logs := &syncBuf{}
	srv := web.NewServer(web.Options{Logger: slog.New(slog.NewTextHandler(logs, nil)), Ping: st.Ping})
	srv.Mount(h)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &env{t: t, url: ts.URL, store: st, handler: h, adminKey: adminKey, roKey: roKey, logs: logs}
}

// raw sends a non-JSON body with the admin key.
func (e *env) raw(method, path, contentType string, body []byte) reply {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.adminKey)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// refused checks a 4xx answer naming the field (if given) and that nothing was written.
func (e *env) refused(t *testing.T, r reply, status int, field string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d %s, want %d", r.status, r.body, status)
	}
	if field == "" {
		return
	}
	got := r.err(t)
	for _, f := range got.Fields {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("error %+v does not name %q", got, field)
}

func changeCount(t *testing.T, e *env) int {
	t.Helper()
	return e.counts()[3]
}

func testImage(t *testing.T, format string, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
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

func TestCatalogEndpoints(t *testing.T) {
	e := newAppEnv(t, sqliteDSN(t))
	var list api.CatalogList
	e.must("GET", "/api/v1/catalog", "", 200).decode(t, &list)
	if len(list.Items) != 4 {
		t.Fatalf("catalog = %+v", list)
	}
	e.must("GET", "/api/v1/catalog?q=QUI", "", 200).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != "quip" {
		t.Fatalf("search = %+v", list)
	}
	var tpl catalog.Template
	r := e.do("GET", "/api/v1/catalog/quip", e.roKey, "")
	r.decode(t, &tpl)
	if r.status != 200 || tpl.IdMBaseURLPattern != "https://{domain}.quip.com/business/admin/scim" || len(tpl.Attributes) != 4 {
		t.Fatalf("quip = %d %+v", r.status, tpl)
	}
	e.refused(t, e.do("GET", "/api/v1/catalog/nope", e.adminKey, ""), 404, "")
	e.refused(t, e.do("GET", "/api/v1/catalog?q="+strings.Repeat("x", 300), e.adminKey, ""), 400, "q")
	e.refused(t, e.do("GET", "/api/v1/catalog", "", ""), 401, "")
}

func TestAppEndpoints(t *testing.T) { backends(t, testAppEndpoints) }

func testAppEndpoints(t *testing.T, dsn string) {
	e := newAppEnv(t, dsn)
	r := e.must("POST", "/api/v1/apps", `{"templateId":"quip","label":"Quip","description":"docs","keyAlgorithm":"ecdsa-p256"}`, 201)
	var app directory.App
	r.decode(t, &app)
	if app.IdPURL != appBase+"/saml2/quip" || !app.ShowInPortal || !app.SSOActive || r.header.Get("Location") != "/api/v1/apps/"+app.ID {
		t.Fatalf("created %+v", app)
	}
	e.must("POST", "/api/v1/apps", `{"templateId":"bookmark","label":"Intranet","bookmarkUrl":"https://intranet.example.com/","showInPortal":false}`, 201)
	before := changeCount(t, e)
	for _, c := range []struct {
		body, field string
	}{
		{`{"templateId":"nope","label":"x"}`, "templateId"},
		{`{"templateId":"quip","label":""}`, "label"},
		{`{"templateId":"quip","label":"x","idpUrl":"https://evil.example.com/saml2/x"}`, "idpUrl"},
		{`{"templateId":"bookmark","label":"x","bookmarkUrl":"javascript:alert(1)"}`, "bookmarkUrl"},
		{`{"templateId":"quip","label":"x","slug":"mine"}`, "slug"},
		{`{"templateId":"quip","label":"x","keyAlgorithm":"rsa512"}`, "keyAlgorithm"},
		{`{"templateId":"quip","Label":"x"}`, "Label"},
	} {
		e.refused(t, e.do("POST", "/api/v1/apps", e.adminKey, c.body), 400, c.field)
	}
	e.refused(t, e.do("POST", "/api/v1/apps", e.roKey, `{"templateId":"quip","label":"x"}`), 403, "")

	var page api.Page[directory.App]
	e.must("GET", "/api/v1/apps?q=intra", "", 200).decode(t, &page)
	if page.Total != 1 || page.Items[0].Label != "Intranet" || page.Items[0].ShowInPortal {
		t.Fatalf("search = %+v", page)
	}
	e.must("GET", "/api/v1/apps?limit=1&offset=1", "", 200).decode(t, &page)
	if page.Total != 2 || len(page.Items) != 1 || page.Items[0].ID != app.ID {
		t.Fatalf("page = %+v", page)
	}
	e.refused(t, e.do("GET", "/api/v1/apps?limit=0", e.adminKey, ""), 400, "limit")

	// The IdP URL and other read-only keys cannot be changed.
	r = e.do("PATCH", "/api/v1/apps/"+app.ID, e.adminKey, `{"idpUrl":"https://sso.example.com/saml2/other"}`)
	e.refused(t, r, 400, "idpUrl")
	if msg := r.err(t).Message; msg != "idpUrl cannot be changed after the application is created; delete and recreate the application" {
		t.Fatalf("message = %q", msg)
	}
	e.refused(t, e.do("PATCH", "/api/v1/apps/"+app.ID, e.adminKey, `{"slug":"x","id":"y"}`), 400, "slug")
	e.refused(t, e.do("PATCH", "/api/v1/apps/"+app.ID, e.adminKey, `{"ssoActive":false}`), 400, "ssoActive")
	e.refused(t, e.do("PATCH", "/api/v1/apps/"+app.ID, e.adminKey, `{"label":"`+strings.Repeat("x", 129)+`"}`), 400, "label")
	e.refused(t, e.do("PATCH", "/api/v1/apps/"+app.ID, e.adminKey, `{"bookmarkUrl":"https://x.example.com"}`), 400, "bookmarkUrl")
	e.refused(t, e.do("PATCH", "/api/v1/apps/nope", e.adminKey, `{"label":"x"}`), 404, "")
	if changeCount(t, e) != before {
		t.Fatal("refused requests wrote changes")
	}
	var got directory.App
	e.must("PATCH", "/api/v1/apps/"+app.ID, `{"label":"Quip Sales","showInPortal":false}`, 200).decode(t, &got)
	if got.Label != "Quip Sales" || got.ShowInPortal || got.IdPURL != app.IdPURL {
		t.Fatalf("patched %+v", got)
	}
	e.must("GET", "/api/v1/apps/"+app.ID, "", 200).decode(t, &got)
	if got.Label != "Quip Sales" {
		t.Fatalf("get %+v", got)
	}
	e.must("POST", "/api/v1/apps/"+app.ID+"/sso/deactivate", "", 200).decode(t, &got)
	if got.SSOActive {
		t.Fatal("still active")
	}
	e.must("POST", "/api/v1/apps/"+app.ID+"/sso/activate", "", 200).decode(t, &got)
	if !got.SSOActive {
		t.Fatal("not active")
	}
	e.refused(t, e.do("POST", "/api/v1/apps/nope/sso/activate", e.adminKey, ""), 404, "")
}

func TestAppSSOEndpoints(t *testing.T) { backends(t, testAppSSOEndpoints) }

func testAppSSOEndpoints(t *testing.T, dsn string) {
	e := newAppEnv(t, dsn)
	var app directory.App
	e.must("POST", "/api/v1/apps", `{"templateId":"quip","label":"Quip","keyAlgorithm":"ecdsa-p256"}`, 201).decode(t, &app)
	var sso directory.AppSSO
	e.must("GET", "/api/v1/apps/"+app.ID+"/sso", "", 200).decode(t, &sso)
	if sso.IdPEntityID != app.IdPURL || len(sso.Attributes) != 4 || !sso.Attributes[0].JITRequired || sso.SignatureAlgorithm != directory.SigECDSASHA256 {
		t.Fatalf("sso = %+v", sso)
	}
	body := func(mod func(m map[string]any)) string {
		m := map[string]any{
			"idpEntityId": sso.IdPEntityID, "spEntityId": "https://Quip.example.com", "acsUrls": []string{"https://quip.example.com/saml/acs"},
			"nameIdAttribute": "email", "nameIdFormat": "emailAddress", "signatureAlgorithm": "ECDSA-SHA256", "sign": "assertion",
			"attributes": []map[string]any{
				{"name": "email", "source": map[string]string{"attribute": "email"}, "enabled": true, "jitRequired": true},
				{"name": "firstname", "source": map[string]string{"attribute": "firstname"}, "enabled": true, "jitRequired": true},
				{"name": "lastname", "source": map[string]string{"constant": "Staff"}, "enabled": false},
			},
			"groupsAttribute": "memberOf",
		}
		if mod != nil {
			mod(m)
		}
		return mustJSON(t, m)
	}
	before := changeCount(t, e)
	path := "/api/v1/apps/" + app.ID + "/sso"
	e.refused(t, e.do("PUT", path, e.adminKey, body(func(m map[string]any) { m["acsUrls"] = []string{"javascript:alert(1)"} })), 400, "acsUrls[0]")
	e.refused(t, e.do("PUT", path, e.adminKey, body(func(m map[string]any) {
		m["attributes"].([]map[string]any)[0]["name"] = "mail"
	})), 400, "attributes[0].name")
	e.refused(t, e.do("PUT", path, e.adminKey, body(func(m map[string]any) { m["updated"] = "2026-01-01T00:00:00Z" })), 400, "updated")
	e.refused(t, e.do("PUT", path, e.adminKey, body(func(m map[string]any) { m["signatureAlgorithm"] = "RSA-SHA1" })), 400, "signatureAlgorithm")
	e.refused(t, e.do("PUT", path, e.adminKey, body(func(m map[string]any) { m["extra"] = 1 })), 400, "extra")
	e.refused(t, e.do("PUT", path, e.adminKey, body(func(m map[string]any) {
		m["attributes"].([]map[string]any)[2]["source"] = map[string]string{"attribute": "password"}
	})), 400, "attributes[2].source.attribute")
	e.refused(t, e.do("PUT", path, e.roKey, body(nil)), 403, "")
	e.refused(t, e.do("PUT", "/api/v1/apps/nope/sso", e.adminKey, body(nil)), 404, "")
	if changeCount(t, e) != before {
		t.Fatal("refused settings wrote changes")
	}
	e.must("PUT", path, body(nil), 200).decode(t, &sso)
	if sso.SPEntityID != "https://Quip.example.com" || len(sso.Attributes) != 3 || sso.Attributes[2].Enabled || sso.GroupsAttribute != "memberOf" {
		t.Fatalf("put = %+v", sso)
	}

	// SP metadata import.
	spKey, _ := samlidp.GenerateKey(samlidp.ECDSAP256, "sp", 24*time.Hour*365, time.Now(), nil)
	md := `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example.com/md">` +
		`<SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
		`<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>` +
		base64.StdEncoding.EncodeToString(spKey.Certificate().Raw) + `</X509Certificate></X509Data></KeyInfo></KeyDescriptor>` +
		`<NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</NameIDFormat>` +
		`<AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="%s" index="0"/>` +
		`</SPSSODescriptor></EntityDescriptor>`
	imp := path + "/import-metadata"
	e.refused(t, e.raw("POST", imp, "application/xml", []byte(fmt.Sprintf(md, "javascript:alert(1)"))), 400, "metadata")
	e.refused(t, e.raw("POST", imp, "application/xml", nil), 400, "metadata")
	e.refused(t, e.raw("POST", imp, "application/xml", bytes.Repeat([]byte(" "), samlidp.MaxSPMetadataSize+1)), 413, "")
	r := e.raw("POST", imp, "application/xml", []byte(fmt.Sprintf(md, "https://sp.example.com/acs")))
	if r.status != 200 {
		t.Fatalf("import = %d %s", r.status, r.body)
	}
	r.decode(t, &sso)
	if sso.SPEntityID != "https://sp.example.com/md" || sso.ACSURLs[0] != "https://sp.example.com/acs" || sso.NameIDFormat != "persistent" || sso.SPCertificate == "" {
		t.Fatalf("imported = %+v", sso)
	}
	bm := e.must("POST", "/api/v1/apps", `{"templateId":"bookmark","label":"B","bookmarkUrl":"https://b.example.com/"}`, 201)
	var bmApp directory.App
	bm.decode(t, &bmApp)
	e.refused(t, e.do("PUT", "/api/v1/apps/"+bmApp.ID+"/sso", e.adminKey, body(nil)), 409, "")
}

func TestAppKeyAndMetadataEndpoints(t *testing.T) { backends(t, testAppKeyAndMetadataEndpoints) }

func testAppKeyAndMetadataEndpoints(t *testing.T, dsn string) {
	e := newAppEnv(t, dsn)
	var app directory.App
	e.must("POST", "/api/v1/apps", `{"templateId":"custom-saml","label":"Wiki / Docs"}`, 201).decode(t, &app)
	var keys api.KeyList
	e.must("GET", "/api/v1/apps/"+app.ID+"/keys", "", 200).decode(t, &keys)
	if len(keys.Items) != 1 || keys.Items[0].Algorithm != "rsa2048" || keys.Items[0].ExpiryWarning || keys.Items[0].Expiry != "ok" {
		t.Fatalf("keys = %+v", keys)
	}
	if bytes.Contains(e.must("GET", "/api/v1/apps/"+app.ID+"/keys", "", 200).body, []byte("PRIVATE")) {
		t.Fatal("the key list shows a private key")
	}
	r := e.must("GET", "/api/v1/apps/"+app.ID+"/metadata", "", 200)
	if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename=Jumpgate-Wiki_Docs-metadata.xml` {
		t.Fatalf("Content-Disposition = %q", cd)
	}
	checkIdPMetadata(t, r.body, app.IdPURL, keys.Items[0].CertificatePEM)

	var k lifecycle.KeyInfo
	e.must("POST", "/api/v1/apps/"+app.ID+"/keys/next", `{"algorithm":"ecdsa-p256"}`, 200).decode(t, &k)
	if k.Status != directory.KeyNext {
		t.Fatalf("next = %+v", k)
	}
	if n := bytes.Count(e.must("GET", "/api/v1/apps/"+app.ID+"/metadata", "", 200).body, []byte(`use="signing"`)); n != 2 {
		t.Fatalf("%d signing keys in metadata during rotation", n)
	}
	e.must("POST", "/api/v1/apps/"+app.ID+"/keys/activate-next", "", 200)
	e.refused(t, e.do("POST", "/api/v1/apps/"+app.ID+"/keys/activate-next", e.adminKey, ""), 409, "")
	e.refused(t, e.do("DELETE", "/api/v1/apps/"+app.ID+"/keys/"+k.ID, e.adminKey, ""), 409, "")
	e.must("DELETE", "/api/v1/apps/"+app.ID+"/keys/"+keys.Items[0].ID, "", 204)
	e.refused(t, e.do("DELETE", "/api/v1/apps/"+app.ID+"/keys/"+keys.Items[0].ID, e.adminKey, ""), 404, "")
	e.must("POST", "/api/v1/apps/"+app.ID+"/keys/regenerate", "", 200).decode(t, &k)
	if k.Algorithm != "rsa2048" || k.Status != directory.KeyActive {
		t.Fatalf("regenerated = %+v", k)
	}
	e.refused(t, e.do("POST", "/api/v1/apps/"+app.ID+"/keys/regenerate", e.adminKey, `{"algorithm":"dsa"}`), 400, "algorithm")
	e.refused(t, e.do("POST", "/api/v1/apps/"+app.ID+"/keys/regenerate", e.adminKey, `{"alg":"rsa2048"}`), 400, "alg")

	own, _ := samlidp.GenerateKey(samlidp.ECDSAP256, "own", 45*24*time.Hour, time.Now(), nil)
	keyPEM, _ := own.PrivateKeyPEM()
	e.must("POST", "/api/v1/apps/"+app.ID+"/keys/upload", mustJSON(t, api.KeyUploadInput{Certificate: string(own.CertificatePEM()), PrivateKey: string(keyPEM)}), 200).decode(t, &k)
	if !k.ExpiryWarning || k.Expiry != "expires within 60 days" {
		t.Fatalf("uploaded = %+v", k)
	}
	e.refused(t, e.do("POST", "/api/v1/apps/"+app.ID+"/keys/upload", e.adminKey, mustJSON(t, api.KeyUploadInput{Certificate: string(own.CertificatePEM())})), 400, "privateKey")
	e.refused(t, e.do("POST", "/api/v1/apps/"+app.ID+"/keys/upload", e.adminKey, mustJSON(t, api.KeyUploadInput{Certificate: "x", PrivateKey: string(keyPEM)})), 400, "certificate")
	e.refused(t, e.do("GET", "/api/v1/apps/nope/metadata", e.adminKey, ""), 404, "")
}

// checkIdPMetadata: the IdP URL for both bindings, the certificate, the entity ID.
func checkIdPMetadata(t *testing.T, xml []byte, idpURL, certPEM string) {
	t.Helper()
	s := string(xml)
	for _, b := range []string{samlidp.BindingHTTPRedirect, samlidp.BindingHTTPPost} {
		if !strings.Contains(s, `Binding="`+b+`" Location="`+idpURL+`"`) {
			t.Fatalf("no %s SingleSignOnService at %s:\n%s", b, idpURL, s)
		}
	}
	cert, err := samlidp.ParseCertificatePEM([]byte(certPEM))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s, base64.StdEncoding.EncodeToString(cert.Raw)) || !strings.Contains(s, `entityID="`+idpURL+`"`) {
		t.Fatalf("metadata lacks the certificate or entity ID:\n%s", s)
	}
}

func TestAppImageEndpoints(t *testing.T) { backends(t, testAppImageEndpoints) }

func testAppImageEndpoints(t *testing.T, dsn string) {
	e := newAppEnv(t, dsn)
	var app directory.App
	e.must("POST", "/api/v1/apps", `{"templateId":"bookmark","label":"B","bookmarkUrl":"https://b.example.com/"}`, 201).decode(t, &app)
	path := "/api/v1/apps/" + app.ID + "/image"
	e.refused(t, e.do("GET", path, e.adminKey, ""), 404, "")
	pngData := testImage(t, "png", 16, 16)
	before := changeCount(t, e)
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	e.refused(t, e.raw("PUT", path, "image/svg+xml", svg), 400, "image")
	e.refused(t, e.raw("PUT", path, "image/png", svg), 400, "image")
	e.refused(t, e.raw("PUT", path, "image/gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")), 400, "image")
	e.refused(t, e.raw("PUT", path, "image/png", pngData[:len(pngData)/2]), 400, "image")
	e.refused(t, e.raw("PUT", path, "image/png", nil), 400, "image")
	big := append(append([]byte{}, pngData...), bytes.Repeat([]byte{0}, directory.MaxImageBytes)...)
	e.refused(t, e.raw("PUT", path, "image/png", big), 413, "image")
	e.refused(t, e.raw("PUT", path, "image/png", testImage(t, "png", 5000, 1)), 400, "image")
	if changeCount(t, e) != before {
		t.Fatal("refused images wrote changes")
	}
	var got directory.App
	r := e.raw("PUT", path, "application/octet-stream", pngData)
	r.decode(t, &got)
	if r.status != 200 || got.ImageType != "image/png" {
		t.Fatalf("put png = %d %s", r.status, r.body)
	}
	r = e.must("GET", path, "", 200)
	if !bytes.Equal(r.body, pngData) || r.header.Get("Content-Type") != "image/png" || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("get image: %q %d bytes", r.header.Get("Content-Type"), len(r.body))
	}
	jpg := testImage(t, "jpeg", 8, 8)
	e.raw("PUT", path, "image/jpeg", jpg).decode(t, &got)
	if got.ImageType != "image/jpeg" {
		t.Fatalf("jpeg: %+v", got)
	}
	var after directory.App
	e.must("DELETE", path, "", 200).decode(t, &after)
	if after.ImageType != "" || after.ID != app.ID {
		t.Fatalf("after delete: %+v", after)
	}
	e.refused(t, e.do("GET", path, e.adminKey, ""), 404, "")
}

func TestAppBindingAndDeleteEndpoints(t *testing.T) { backends(t, testAppBindingAndDeleteEndpoints) }

func testAppBindingAndDeleteEndpoints(t *testing.T, dsn string) {
	e := newAppEnv(t, dsn)
	var a1, a2 directory.App
	e.must("POST", "/api/v1/apps", `{"templateId":"bookmark","label":"One","bookmarkUrl":"https://1.example.com/"}`, 201).decode(t, &a1)
	e.must("POST", "/api/v1/apps", `{"templateId":"bookmark","label":"Two","bookmarkUrl":"https://2.example.com/"}`, 201).decode(t, &a2)
	var g directory.Group
	e.must("POST", "/api/v1/groups", `{"name":"Engineering"}`, 201).decode(t, &g)
	var ag api.AppGroups
	e.must("PUT", "/api/v1/apps/"+a1.ID+"/groups", `{"groupIds":["`+g.ID+`"]}`, 200).decode(t, &ag)
	if len(ag.GroupIDs) != 1 || ag.Groups[0].Name != "Engineering" || len(ag.Bound) != 1 {
		t.Fatalf("bound = %+v", ag)
	}
	e.must("GET", "/api/v1/apps/"+a1.ID+"/groups", "", 200).decode(t, &ag)
	if len(ag.GroupIDs) != 1 {
		t.Fatalf("get groups = %+v", ag)
	}
	before := changeCount(t, e)
	e.refused(t, e.do("PUT", "/api/v1/apps/"+a1.ID+"/groups", e.adminKey, `{"groupIds":["nope"]}`), 404, "")
	e.refused(t, e.do("PUT", "/api/v1/apps/"+a1.ID+"/groups", e.adminKey, `{}`), 400, "groupIds")
	e.refused(t, e.do("PUT", "/api/v1/apps/"+a1.ID+"/groups", e.adminKey, `{"groupIds":[""]}`), 400, "groupIds[0]")
	e.refused(t, e.do("PUT", "/api/v1/groups/"+g.ID+"/apps", e.adminKey, `{"appIds":"x"}`), 400, "appIds")
	e.refused(t, e.do("PUT", "/api/v1/groups/nope/apps", e.adminKey, `{"appIds":[]}`), 404, "")
	if changeCount(t, e) != before {
		t.Fatal("refused bindings wrote changes")
	}
	var ga api.GroupApps
	e.must("PUT", "/api/v1/groups/"+g.ID+"/apps", `{"appIds":["`+a2.ID+`"]}`, 200).decode(t, &ga)
	if len(ga.AppIDs) != 1 || ga.AppIDs[0] != a2.ID || len(ga.Unbound) != 1 || ga.Unbound[0] != a1.ID {
		t.Fatalf("group apps = %+v", ga)
	}
	e.must("GET", "/api/v1/groups/"+g.ID+"/apps", "", 200).decode(t, &ga)
	if len(ga.Apps) != 1 || ga.Apps[0].Label != "Two" {
		t.Fatalf("get group apps = %+v", ga)
	}
	var cs api.ChangesPage
	e.must("GET", "/api/v1/changes", "", 200).decode(t, &cs)
	var kinds []string
	for _, c := range cs.Items {
		kinds = append(kinds, string(c.Kind))
	}
	if got := strings.Join(kinds, ","); !strings.HasSuffix(got, "app.group_bound,app.group_bound,app.group_unbound") {
		t.Fatalf("change kinds = %s", got)
	}

	// Delete with confirmation: all or nothing.
	before = changeCount(t, e)
	e.refused(t, e.do("POST", "/api/v1/apps/delete", e.adminKey, `{"ids":["`+a1.ID+`","`+a2.ID+`"],"confirm":1}`), 400, "confirm")
	e.refused(t, e.do("POST", "/api/v1/apps/delete", e.adminKey, `{"ids":["`+a1.ID+`"]}`), 400, "confirm")
	e.refused(t, e.do("POST", "/api/v1/apps/delete", e.adminKey, `{"ids":[],"confirm":0}`), 400, "ids")
	e.refused(t, e.do("POST", "/api/v1/apps/delete", e.adminKey, `{"ids":["`+a1.ID+`","nope"],"confirm":2}`), 404, "")
	e.refused(t, e.do("POST", "/api/v1/apps/delete", e.roKey, `{"ids":["`+a1.ID+`"],"confirm":1}`), 403, "")
	if changeCount(t, e) != before {
		t.Fatal("refused deletions wrote changes")
	}
	e.must("POST", "/api/v1/apps/delete", `{"ids":["`+a1.ID+`","`+a2.ID+`"],"confirm":2}`, 200)
	e.refused(t, e.do("GET", "/api/v1/apps/"+a1.ID, e.adminKey, ""), 404, "")
	e.must("GET", "/api/v1/groups/"+g.ID+"/apps", "", 200).decode(t, &ga)
	if len(ga.AppIDs) != 0 {
		t.Fatalf("bindings left after deletion: %+v", ga)
	}
}

func sqliteDSN(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "db.sqlite") }

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

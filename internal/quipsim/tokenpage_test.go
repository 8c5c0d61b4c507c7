package quipsim_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

type browser struct {
	t testing.TB
	c *http.Client
	e *env
}

func newBrowser(e *env) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, e: e, c: &http.Client{Jar: jar}}
}

func (b *browser) get(path string) (int, string) {
	res, err := b.c.Get(b.e.http.URL + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func (b *browser) post(path string, form url.Values) (int, string) {
	res, err := b.c.PostForm(b.e.http.URL+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

var (
	csrfRE  = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	tokenRE = regexp.MustCompile(`<code id="token">([^<]+)</code>`)
)

func TestTokenPage(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	if err := e.srv.AddAdmin(ctx, e.company.ID, "boss@acme.test", "correct horse"); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(e)
	if code, body := b.get("/business/admin/scim"); code != 200 || !strings.Contains(body, `name="password"`) {
		t.Fatalf("login page: %d", code)
	}
	if code, _ := b.post("/business/admin/scim/login", url.Values{"company": {"acme"}, "email": {"boss@acme.test"}, "password": {"wrong password"}}); code != 401 {
		t.Fatalf("wrong password: %d", code)
	}
	code, body := b.post("/business/admin/scim/login", url.Values{"company": {"acme"}, "email": {"Boss@acme.test"}, "password": {"correct horse"}})
	if code != 200 || !strings.Contains(body, `id="token-count">1<`) {
		t.Fatalf("after login: %d %s", code, body)
	}
	csrf := html.UnescapeString(csrfRE.FindStringSubmatch(body)[1])
	if code, _ := b.post("/business/admin/scim/tokens", url.Values{"action": {"issue"}, "csrf": {"forged"}}); code != 403 {
		t.Fatalf("forged csrf: %d", code)
	}
	if n, _ := e.srv.TokenCount(ctx, e.company.ID); n != 1 {
		t.Fatalf("forged request changed tokens: %d", n)
	}
	code, body = b.post("/business/admin/scim/tokens", url.Values{"action": {"regenerate"}, "csrf": {csrf}})
	m := tokenRE.FindStringSubmatch(body)
	if code != 200 || m == nil || !strings.Contains(body, `id="token-count">1<`) {
		t.Fatalf("regenerate: %d %s", code, body)
	}
	tok := m[1]
	wantError(t, e.do("GET", "/2/Users", nil), 401, "")
	if r := e.doTok(tok, "GET", "/2/Users", nil); r.Status != 200 {
		t.Fatalf("new token: %d", r.Status)
	}
	// shown once: the page does not show it again
	if _, body := b.get("/business/admin/scim"); strings.Contains(body, tok) {
		t.Fatal("token shown twice")
	}
	if code, body := b.post("/business/admin/scim/tokens", url.Values{"action": {"revoke"}, "csrf": {csrf}}); code != 200 || !strings.Contains(body, `id="token-count">0<`) {
		t.Fatalf("revoke: %d", code)
	}
	wantError(t, e.doTok(tok, "GET", "/2/Users", nil), 401, "")
	// an anonymous browser cannot act
	if code, _ := newBrowser(e).post("/business/admin/scim/tokens", url.Values{"action": {"issue"}, "csrf": {csrf}}); code != 401 {
		t.Fatalf("anonymous: %d", code)
	}
}

func TestTokenPageNonEnterprise(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	c, _ := e.srv.CreateCompany(ctx, "smallco", false, nil)
	_ = e.srv.AddAdmin(ctx, c.ID, "a@smallco.test", "password1")
	b := newBrowser(e)
	_, body := b.post("/business/admin/scim/login", url.Values{"company": {"smallco"}, "email": {"a@smallco.test"}, "password": {"password1"}})
	if !strings.Contains(body, "only available to Enterprise") || strings.Contains(body, `value="issue"`) {
		t.Fatalf("page: %s", body)
	}
	csrf := html.UnescapeString(csrfRE.FindStringSubmatch(body)[1])
	if code, _ := b.post("/business/admin/scim/tokens", url.Values{"action": {"issue"}, "csrf": {csrf}}); code != 403 {
		t.Fatalf("issue: %d", code)
	}
}

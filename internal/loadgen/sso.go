package loadgen

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/crewjam/saml"
)

var (
	postActionRE = regexp.MustCompile(`<form id="saml-post" method="post" action="([^"]*)">`)
	hiddenRE     = regexp.MustCompile(`<input type="hidden" name="([A-Za-z_]+)" value="([^"]*)">`)
)

// maxPage bounds the pages read during a sign-in.
const maxPage = 1 << 20

// page is an answer after redirects.
type page struct {
	status int
	url    *url.URL
	body   string
}

// browser is one user agent: a fresh cookie jar on the shared transport.
type browser struct{ c *http.Client }

func newBrowser(transport http.RoundTripper, timeout time.Duration) *browser {
	jar, _ := cookiejar.New(nil) // never fails without options
	return &browser{c: &http.Client{Transport: transport, Jar: jar, Timeout: timeout}}
}

func (b *browser) do(req *http.Request) (page, error) {
	res, err := b.c.Do(req)
	if err != nil {
		return page{}, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxPage))
	if err != nil {
		return page{}, err
	}
	return page{status: res.StatusCode, url: res.Request.URL, body: string(data)}, nil
}

// signIn runs one SP-initiated sign-in of u with a fresh cookie jar: a
// signed AuthnRequest (HTTP-Redirect) to the app's IdP URL, the console's
// sign-in form, and the auto-post form whose SAMLResponse is verified as
// the SP would (signature against the IdP metadata, audience, destination,
// InResponseTo, validity) and must name u's email.
func (f *Fixtures) signIn(ctx context.Context, b *browser, u FixtureUser, relayState string) error {
	authn, err := f.sp.MakeAuthenticationRequest(f.sp.GetSSOBindingLocation(saml.HTTPRedirectBinding), saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		return stepErr("request", "build", err)
	}
	redirect, err := authn.Redirect(relayState, f.sp)
	if err != nil {
		return stepErr("request", "build", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, redirect.String(), nil)
	if err != nil {
		return stepErr("request", "build", err)
	}
	p, err := b.do(req)
	if err != nil {
		return stepErr("authn-request", "", err)
	}
	if p.status != http.StatusOK || p.url.Path != "/console/login" {
		return stepErr("authn-request", fmt.Sprintf("http %d at %s", p.status, p.url.Path), errors.New(pageText(p.body)))
	}
	pending := p.url.Query().Get("pending")
	form := url.Values{"login": {u.Email}, "password": {f.password}, "pending": {pending}, "next": {""}}
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, f.base+"/console/login", strings.NewReader(form.Encode()))
	if err != nil {
		return stepErr("login", "build", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	p, err = b.do(req)
	if err != nil {
		return stepErr("login", "", err)
	}
	m := postActionRE.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || m == nil {
		return stepErr("login", fmt.Sprintf("http %d at %s, no SAML form", p.status, p.url.Path), errors.New(pageText(p.body)))
	}
	action := html.UnescapeString(m[1])
	fields := url.Values{}
	for _, h := range hiddenRE.FindAllStringSubmatch(p.body, -1) {
		fields.Set(h[1], html.UnescapeString(h[2]))
	}
	if action != f.acs.String() {
		return stepErr("verify", "wrong ACS", fmt.Errorf("form posts to %q, want %q", action, f.acs.String()))
	}
	if fields.Get("RelayState") != relayState {
		return stepErr("verify", "wrong RelayState", fmt.Errorf("RelayState %q, want %q", fields.Get("RelayState"), relayState))
	}
	raw, err := base64.StdEncoding.DecodeString(fields.Get("SAMLResponse"))
	if err != nil {
		return stepErr("verify", "bad base64", err)
	}
	a, err := f.sp.ParseXMLResponse(raw, []string{authn.ID}, f.acs)
	if err != nil {
		var ie *saml.InvalidResponseError
		if errors.As(err, &ie) {
			err = ie.PrivateErr
		}
		return stepErr("verify", "invalid Response", err)
	}
	if a.Subject == nil || a.Subject.NameID == nil || !strings.EqualFold(a.Subject.NameID.Value, u.Email) {
		return stepErr("verify", "wrong subject", fmt.Errorf("assertion subject is not %s", u.Email))
	}
	return nil
}

var tagRE = regexp.MustCompile(`<[^>]*>|\s+`)

// pageText is the visible text of an error page, shortened.
func pageText(body string) string {
	t := strings.TrimSpace(tagRE.ReplaceAllString(body, " "))
	if len(t) > 200 {
		t = t[:200] + "…"
	}
	return html.UnescapeString(t)
}

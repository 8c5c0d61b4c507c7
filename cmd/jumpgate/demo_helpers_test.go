package main

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// demoRun is one `jumpgate demo` running in-process.
type demoRun struct {
	url   string // Jumpgate
	quip  string // quipsim's base URL
	token string // quipsim SCIM token of acme, as printed
	key   string // API key, as printed
	out   string // what it printed
	logs  *syncBuffer
	stop  func()
}

var (
	demoQuipRE  = regexp.MustCompile(`quipsim \(Quip\)\s+(http://\S+)/c/acme/`)
	demoTokenRE = regexp.MustCompile(`QUIP_TOKEN=(\S+)`)
)

// startDemo runs `jumpgate demo` on dir until the returned run's stop (or
// the end of the test), checking that it stops cleanly.
func startDemo(t *testing.T, dir, addr, quipAddr string, extra ...string) *demoRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	out, logs := &syncBuffer{}, &syncBuffer{}
	m := &Main{Stdout: out, Stderr: logs, Ready: func(u string) { urls <- u }}
	done := make(chan error, 1)
	go func() {
		done <- m.Run(ctx, append([]string{"demo", "--data-dir", dir, "--addr", addr, "--quipsim-addr", quipAddr}, extra...))
	}()
	r := &demoRun{logs: logs}
	stopped := false
	r.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("demo stopped with %v\n%s", err, logs)
			}
		case <-time.After(30 * time.Second):
			t.Error("demo did not shut down")
		}
	}
	t.Cleanup(r.stop)
	select {
	case r.url = <-urls:
	case err := <-done:
		t.Fatalf("demo ended early: %v\n%s", err, logs)
	case <-time.After(90 * time.Second):
		t.Fatalf("demo did not start\n%s", logs)
	}
	r.out = out.String()
	m1, m2 := demoQuipRE.FindStringSubmatch(r.out), demoTokenRE.FindStringSubmatch(r.out)
	r.key = apiKeyRE.FindString(r.out)
	if m1 == nil || m2 == nil || r.key == "" {
		r.stop()
		t.Fatalf("demo printed no quipsim URL, token or API key:\n%s\nlogs:\n%s", r.out, logs)
	}
	r.quip, r.token = m1[1], m2[1]
	return r
}

func (r *demoRun) env() map[string]string {
	return map[string]string{"JUMPGATE_URL": r.url, "JUMPGATE_API_KEY": r.key}
}

// quipUser is what the test reads of a quipsim user.
type quipUser struct {
	ID       string `json:"id"`
	UserName string `json:"userName"`
	Active   bool   `json:"active"`
	Emails   []struct {
		Value string `json:"value"`
	} `json:"emails"`
}

// quipUsers lists acme's users through quipsim's SCIM API, by e-mail.
func (r *demoRun) quipUsers(t *testing.T) map[string]quipUser {
	t.Helper()
	req, _ := http.NewRequest("GET", r.quip+"/2/Users?count=1000", nil)
	req.Header.Set("Authorization", "Bearer "+r.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var list struct {
		Resources []quipUser `json:"Resources"`
	}
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil || res.StatusCode != 200 {
		t.Fatalf("quipsim users: %d %v", res.StatusCode, err)
	}
	out := map[string]quipUser{}
	for _, u := range list.Resources {
		if len(u.Emails) == 0 {
			t.Fatalf("quipsim user without e-mail: %+v", u)
		}
		if _, dup := out[u.Emails[0].Value]; dup {
			t.Fatalf("two quipsim users with %s", u.Emails[0].Value)
		}
		out[u.Emails[0].Value] = u
	}
	// totalResults is not compared: quipsim counts and lists in two
	// queries, so a user the engine creates in between makes them differ.
	return out
}

// demoWaitFor polls cond until it holds, failing the test after a generous
// deadline.
func demoWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// demoBrowser is a plain HTTP client with a cookie jar.
type demoBrowser struct {
	t *testing.T
	c *http.Client
}

func newDemoBrowser(t *testing.T) *demoBrowser {
	jar, _ := cookiejar.New(nil)
	return &demoBrowser{t: t, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

type demoPage struct {
	status int
	url    *url.URL
	body   string
}

func (b *demoBrowser) do(req *http.Request) demoPage {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return demoPage{status: res.StatusCode, url: res.Request.URL, body: string(body)}
}

func (b *demoBrowser) get(u string) demoPage {
	req, _ := http.NewRequest("GET", u, nil)
	return b.do(req)
}

func (b *demoBrowser) post(u string, form url.Values) demoPage {
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var (
	demoHiddenRE = regexp.MustCompile(`<input type="hidden" name="([A-Za-z_]+)" value="([^"]*)">`)
	demoActionRE = regexp.MustCompile(`<form id="saml-post" method="post" action="([^"]*)">`)
)

func demoHidden(body string) url.Values {
	v := url.Values{}
	for _, m := range demoHiddenRE.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// postSAMLResponse takes the IdP's auto-posting demoPage p to the ACS it names
// (which must be quipsim's) and returns quipsim's answer.
func (b *demoBrowser) postSAMLResponse(r *demoRun, p demoPage) demoPage {
	b.t.Helper()
	m := demoActionRE.FindStringSubmatch(p.body)
	if p.status != 200 || m == nil {
		b.t.Fatalf("no SAML post form at %s: %d %s", p.url, p.status, p.body)
	}
	acs := html.UnescapeString(m[1])
	if acs != r.quip+"/c/acme/saml/acs" {
		b.t.Fatalf("the SAML Response goes to %s", acs)
	}
	return b.post(acs, demoHidden(p.body))
}

// signInSP signs a user in to quipsim SP-initiated: quipsim's SAML login,
// Jumpgate's sign-in form, the auto-posted Response to quipsim's ACS. It
// returns quipsim's demoPage after the ACS.
func (b *demoBrowser) signInSP(r *demoRun, login, password string) demoPage {
	b.t.Helper()
	p := b.get(r.quip + "/c/acme/saml/login")
	if p.status != 200 || !strings.HasPrefix(p.url.String(), r.url+"/console/login?pending=") {
		b.t.Fatalf("quipsim's SSO link did not lead to Jumpgate's sign-in demoPage: %d %s", p.status, p.url)
	}
	f := demoHidden(p.body)
	f.Set("login", login)
	f.Set("password", password)
	return b.postSAMLResponse(r, b.post(r.url+"/console/login", f))
}

// signedInAs checks that quipsim's home demoPage shows the user signed in.
func (b *demoBrowser) signedInAs(r *demoRun, p demoPage, email string) {
	b.t.Helper()
	if p.status != 200 || p.url.String() != r.quip+"/c/acme/" || !strings.Contains(p.body, `<span id="email">`+email+`</span>`) {
		b.t.Fatalf("quipsim after the ACS: %d %s\n%s", p.status, p.url, p.body)
	}
	home := b.get(r.quip + "/c/acme/")
	if !strings.Contains(home.body, `<span id="email">`+email+`</span>`) {
		b.t.Fatalf("quipsim does not keep %s signed in:\n%s", email, home.body)
	}
}

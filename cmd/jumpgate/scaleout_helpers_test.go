package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/apiclient"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim/quipsimtest"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

// soQuip is quipsim in-process with one enterprise company and its
// SCIM token, without rate limit.
type soQuip struct {
	sim     *quipsim.Server
	company string
	token   string
	url     string // the HTTP server's URL
}

// newSoQuip starts quipsim; wrap, when set, wraps its handler (to
// count requests).
func newSoQuip(t *testing.T, wrap func(http.Handler) http.Handler) *soQuip {
	t.Helper()
	acme := quipsimtest.Start(t, nil)
	sim, co, tok := acme.Sim, acme.Company, acme.Token
	var h http.Handler = sim
	if wrap != nil {
		h = wrap(sim)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &soQuip{sim: sim, company: co.ID, token: tok, url: srv.URL}
}

// usersByEmail lists the company's users by (lower-case) e-mail.
func (q *soQuip) usersByEmail(t *testing.T) map[string]quipsim.User {
	t.Helper()
	us, err := q.sim.ListUsers(context.Background(), q.company)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]quipsim.User{}
	for _, u := range us {
		for _, e := range u.Emails {
			out[strings.ToLower(e.Value)] = u
		}
	}
	return out
}

// soQuipApp makes a Quip application whose identity management (users
// only) goes to scimBase with token, binds group to it and activates it.
func soQuipApp(t *testing.T, c *apiclient.Client, scimBase, token, groupID string) *directory.App {
	t.Helper()
	ctx := context.Background()
	app, err := c.CreateApp(ctx, api.AppInput{TemplateID: "quip", Label: "Quip"})
	if err != nil {
		t.Fatal(err)
	}
	groups := false
	if _, err := c.PutIdM(ctx, app.ID, api.IdMSettingsInput{BaseURL: &scimBase, Token: &token, GroupsEnabled: &groups}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetAppGroups(ctx, app.ID, []string{groupID}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.IdMAction(ctx, app.ID, "activate"); err != nil {
		t.Fatal(err)
	}
	return app
}

// soSetPassword sets a user's password through an activation link, as the
// user would on /activate.
func soSetPassword(t *testing.T, base, key, userID, password string) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/api/v1/users/"+userID+"/activation-link", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var link api.ActivationLinkBody
	err = json.NewDecoder(res.Body).Decode(&link)
	res.Body.Close()
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("activation link: %d %v", res.StatusCode, err)
	}
	res, err = http.PostForm(base+"/activate", url.Values{"token": {link.Token}, "password": {password}, "confirm": {password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("activate: %d", res.StatusCode)
	}
}

// fetch sends req with client and returns the status, the final path and
// the body.
func soFetch(t *testing.T, client *http.Client, req *http.Request) (int, string, string) {
	t.Helper()
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, res.Request.URL.Path, string(body)
}

func soGet(t *testing.T, client *http.Client, u string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return soFetch(t, client, req)
}

func soPostForm(t *testing.T, client *http.Client, u string, form url.Values) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return soFetch(t, client, req)
}

// waitUntil polls cond every 50 ms until it holds, failing after limit.
func soWaitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// soPasswordRE finds the password `admins create` prints.
var soPasswordRE = regexp.MustCompile(`Password: (\S+)`)

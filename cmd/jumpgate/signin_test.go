package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/apiclient"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

// TestServeSignIn runs serve and takes a user from an activation link made
// through the API to the console.
func TestServeSignIn(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "jumpgate.db")
	key := apiKeyRE.FindString(mustRun(t, nil, "admins", "create", "--db", dsn, "--email", "root@example.com", "--no-password"))
	base, logs := server(t, map[string]string{"JUMPGATE_MASTER_KEY": testMasterKey, "JUMPGATE_DB": dsn}, "serve", "--addr", "127.0.0.1:0")
	c := &apiclient.Client{BaseURL: base, APIKey: key}
	u, err := c.CreateUser(ctx, api.UserInput{Username: "ivy", Email: "ivy@example.com", State: directory.UserActivated})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", base+"/api/v1/users/"+u.ID+"/activation-link", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var link api.ActivationLinkBody
	err = json.NewDecoder(res.Body).Decode(&link)
	res.Body.Close()
	if err != nil || res.StatusCode != 201 || !strings.HasPrefix(link.URL, base+"/activate?token=") {
		t.Fatalf("activation link: %d %v %+v", res.StatusCode, err, link)
	}
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar}
	get := func(res *http.Response, err error) (int, string, string) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Request.URL.Path, string(body)
	}
	if code, _, body := get(b.Get(link.URL)); code != 200 || !strings.Contains(body, "ivy@example.com") {
		t.Fatalf("activation page: %d %s", code, body)
	}
	const pw = "a long enough password"
	if code, _, body := get(b.PostForm(base+"/activate", url.Values{"token": {link.Token}, "password": {pw}, "confirm": {pw}})); code != 200 || !strings.Contains(body, "password is set") {
		t.Fatalf("activate: %d %s", code, body)
	}
	code, path, body := get(b.PostForm(base+"/console/login", url.Values{"login": {"ivy"}, "password": {pw}}))
	if code != 200 || path != "/console" || !strings.Contains(body, "No applications") {
		t.Fatalf("console: %d %s %s", code, path, body)
	}
	if strings.Contains(logs.String(), link.Token) || strings.Contains(logs.String(), pw) {
		t.Fatal("a secret reached the log")
	}
}

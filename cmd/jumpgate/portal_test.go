package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var passwordRE = regexp.MustCompile(`Password: (\S+)`)

func TestServeMountsAdminPortal(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "jumpgate.db")
	out := mustRun(t, nil, "admins", "create", "--db", dsn, "--email", "root@example.com")
	m := passwordRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no password printed:\n%s", out)
	}
	base, _ := server(t, map[string]string{"JUMPGATE_MASTER_KEY": testMasterKey, "JUMPGATE_DB": dsn}, "serve", "--addr", "127.0.0.1:0")
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Get(base + "/admin/account")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/admin/login" {
		t.Fatalf("unsigned visit landed on %s", res.Request.URL)
	}
	res, err = c.PostForm(base+"/admin/login", url.Values{"email": {"root@example.com"}, "password": {m[1]}, "next": {"/admin/account"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/admin/account" || !strings.Contains(string(body), "root@example.com") {
		t.Fatalf("sign-in: %d at %s\n%s", res.StatusCode, res.Request.URL, body)
	}
}

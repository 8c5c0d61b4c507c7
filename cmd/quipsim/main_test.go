package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunServesSCIMWithTokenFromFile(t *testing.T) {
	dir := t.TempDir()
	tokFile := filepath.Join(dir, "token")
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "q.db"), "-company", "acme", "-token-out", tokFile},
			io.Discard, func(a string) { addrc <- a })
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatal(err)
	}
	tok, err := os.ReadFile(tokFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, base := range []string{"/2", "/business/admin/scim/2"} {
		req, _ := http.NewRequest("POST", "http://"+addr+base+"/Users",
			strings.NewReader(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"emails":[{"value":"a`+strings.ReplaceAll(base, "/", "")+`@acme.test"}]}`))
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 201 || res.Header.Get("X-Scim-RateLimit-Limit") != "600" {
			t.Fatalf("%s: %d %v", base, res.StatusCode, res.Header)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkCreateUser measures POST /api/v1/users end to end over HTTP
// (auth, strict decoding, validation, one SQLite transaction with its change).
func BenchmarkCreateUser(b *testing.B) {
	e := newEnv(b)
	i := 0
	for b.Loop() {
		i++
		body := fmt.Sprintf(`{"username":"u%d","email":"u%d@example.com","firstname":"F","lastname":"L"}`, i, i)
		req, _ := http.NewRequest("POST", e.url+"/api/v1/users", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.adminKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 201 {
			b.Fatal(err, resp.StatusCode)
		}
		resp.Body.Close()
	}
}

// BenchmarkListUsers measures GET /api/v1/users (a page of 50 of 1,000
// users, with a search) end to end over HTTP.
func BenchmarkListUsers(b *testing.B) {
	e := newEnv(b)
	var sb strings.Builder
	for i := 0; i < 1000; i++ {
		sb.Reset()
		fmt.Fprintf(&sb, `{"username":"user%04d","email":"user%04d@example.com","lastname":"Name%d"}`, i, i, i%10)
		e.must("POST", "/api/v1/users", sb.String(), 201)
	}
	for b.Loop() {
		req, _ := http.NewRequest("GET", e.url+"/api/v1/users?limit=50&offset=100&q=name3&sort=lastname", nil)
		req.Header.Set("Authorization", "Bearer "+e.adminKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatal(err, resp.StatusCode)
		}
		resp.Body.Close()
	}
}

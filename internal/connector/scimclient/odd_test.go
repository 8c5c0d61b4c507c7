package scimclient_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/connector/scimclient"
)

// reply answers every request with a fixed status, headers and body.
func reply(t *testing.T, status int, hdr map[string]string, body string) *scimclient.Client {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range hdr {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(hs.Close)
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	c, err := scimclient.New(connector.Config{Token: "secret-token", Now: func() time.Time { return now }, MaxResponseBytes: 1 << 20},
		hs.URL, scimclient.Options{PatchUsers: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOddAnswers(t *testing.T) {
	ctx := context.Background()
	t.Run("status as a number", func(t *testing.T) {
		c := reply(t, 409, nil, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":409,"scimType":"uniqueness","detail":"userName taken"}`)
		_, err := c.CreateUser(ctx, connector.User{Email: "a@b.c"})
		ce := connector.AsError(err)
		if !connector.IsConflict(err) || connector.IsTemporary(err) || ce.SCIMType != "uniqueness" || ce.Detail != "userName taken" {
			t.Fatalf("%#v", err)
		}
	})
	t.Run("204 on PATCH", func(t *testing.T) {
		c := reply(t, 204, nil, "")
		if err := c.SetActive(ctx, "u1", false); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("HTML error page", func(t *testing.T) {
		c := reply(t, 502, map[string]string{"Content-Type": "text/html"}, "<html><body><h1>502 Bad Gateway</h1>"+strings.Repeat("x", 5000)+"</body></html>")
		_, err := c.GetUser(ctx, "u1")
		ce := connector.AsError(err)
		if !connector.IsTemporary(err) || ce.HTTPStatus != 502 || strings.Contains(err.Error(), "<html>") || ce.Detail != "Bad Gateway" {
			t.Fatalf("%#v", err)
		}
	})
	t.Run("HTML on 200", func(t *testing.T) {
		c := reply(t, 200, nil, "<html>login page</html>")
		if _, err := c.GetUser(ctx, "u1"); connector.AsError(err) == nil || connector.IsTemporary(err) {
			t.Fatalf("%#v", err)
		}
	})
	t.Run("huge body", func(t *testing.T) {
		c := reply(t, 200, nil, `{"id":"u1","displayName":"`+strings.Repeat("a", 2<<20)+`"}`)
		_, err := c.GetUser(ctx, "u1")
		if ce := connector.AsError(err); ce == nil || ce.Temporary || !strings.Contains(err.Error(), "too large") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("long detail is shortened", func(t *testing.T) {
		c := reply(t, 400, nil, `{"status":"400","detail":"`+strings.Repeat("bad ", 1000)+`"}`)
		_, err := c.GetUser(ctx, "u1")
		if ce := connector.AsError(err); ce == nil || len(ce.Detail) > 310 || ce.Temporary {
			t.Fatalf("%v", err)
		}
	})
	t.Run("Retry-After as an HTTP date", func(t *testing.T) {
		c := reply(t, 503, map[string]string{"Retry-After": "Sun, 01 Mar 2026 10:00:42 GMT"}, "")
		_, err := c.GetUser(ctx, "u1")
		if !connector.IsTemporary(err) || connector.RetryAfter(err) != 42*time.Second {
			t.Fatalf("%v, retry after %v", err, connector.RetryAfter(err))
		}
	})
	t.Run("Retry-After in seconds", func(t *testing.T) {
		c := reply(t, 429, map[string]string{"Retry-After": "7"}, `{"detail":"slow down"}`)
		_, err := c.GetUser(ctx, "u1")
		if !connector.IsTemporary(err) || connector.RetryAfter(err) != 7*time.Second {
			t.Fatalf("%v", err)
		}
	})
	t.Run("Retry-After beyond any duration is capped at an hour", func(t *testing.T) {
		for _, v := range []string{"1e10", "Inf", "99999999999999999999"} {
			c := reply(t, 429, map[string]string{"Retry-After": v}, "")
			_, err := c.GetUser(ctx, "u1")
			if !connector.IsTemporary(err) || connector.RetryAfter(err) != time.Hour {
				t.Fatalf("Retry-After %s: %v, retry after %v", v, err, connector.RetryAfter(err))
			}
		}
	})
	t.Run("token never in errors", func(t *testing.T) {
		c := reply(t, 401, nil, `{"detail":"invalid"}`)
		err := c.TestConnection(ctx)
		if err == nil || strings.Contains(err.Error(), "secret-token") || connector.IsTemporary(err) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("pages that lie about totals end", func(t *testing.T) {
		c := reply(t, 200, nil, `{"totalResults":1000000,"Resources":[]}`)
		n := 0
		if err := c.ListUsers(ctx, func(connector.RemoteUser) error { n++; return nil }); err != nil || n != 0 {
			t.Fatalf("%d %v", n, err)
		}
	})
}

func TestDecodeError(t *testing.T) {
	for _, body := range []string{`{"status":"404","detail":"x"}`, `{"status":404,"detail":"x"}`} {
		st, _, d, ok := scimclient.DecodeError([]byte(body))
		if !ok || st != 404 || d != "x" {
			t.Errorf("%s: %d %q %v", body, st, d, ok)
		}
	}
}

// A page over MaxResponseBytes is asked again with half the count.
func TestListHalvesOversizedPages(t *testing.T) {
	pad := strings.Repeat("m", 100_000)
	var counts []string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		counts = append(counts, q.Get("count"))
		start, count, total := atoi(q.Get("startIndex")), atoi(q.Get("count")), 20
		var res []string
		for i := start; i < start+count && i <= total; i++ {
			res = append(res, `{"id":"g`+strconv.Itoa(i)+`","displayName":"`+pad+`"}`)
		}
		w.Write([]byte(`{"totalResults":20,"Resources":[` + strings.Join(res, ",") + `]}`))
	}))
	defer hs.Close()
	c, err := scimclient.New(connector.Config{Token: "t", MaxResponseBytes: 1 << 20}, hs.URL, scimclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := c.ListGroups(context.Background(), func(connector.RemoteGroup) error { n++; return nil }); err != nil || n != 20 {
		t.Fatalf("%d groups, %v", n, err)
	}
	if strings.Join(counts, ",") != "100,50,25,12,6,6,6,6" {
		t.Fatalf("counts asked %v", counts)
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

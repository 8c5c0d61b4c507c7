package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/web"
)

type echoRemote struct{}

func (echoRemote) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /remote", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, r.RemoteAddr) })
}

func TestTrustedProxies(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")}
	srv := web.NewServer(web.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), TrustedProxies: proxies})
	srv.Mount(echoRemote{})
	h := srv.Handler()
	for _, c := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"direct client, header ignored", "203.0.113.9:4000", []string{"198.51.100.7"}, "203.0.113.9:4000"},
		{"through the proxy", "10.1.2.3:5000", []string{"198.51.100.7"}, "198.51.100.7:0"},
		{"forged left entries are skipped", "10.1.2.3:5000", []string{"1.1.1.1, 198.51.100.7"}, "198.51.100.7:0"},
		{"two trusted hops", "10.1.2.3:5000", []string{"198.51.100.7, 192.0.2.1"}, "198.51.100.7:0"},
		{"several header lines", "10.1.2.3:5000", []string{"1.1.1.1", "198.51.100.8"}, "198.51.100.8:0"},
		{"no header", "10.1.2.3:5000", nil, "10.1.2.3:5000"},
		{"garbage", "10.1.2.3:5000", []string{"not-an-ip"}, "10.1.2.3:5000"},
		{"only proxies", "10.1.2.3:5000", []string{"10.9.9.9"}, "10.1.2.3:5000"},
		{"IPv6 client", "10.1.2.3:5000", []string{"2001:db8::1"}, "[2001:db8::1]:0"},
	} {
		req := httptest.NewRequest("GET", "/remote", nil)
		req.RemoteAddr = c.peer
		for _, v := range c.xff {
			req.Header.Add("X-Forwarded-For", v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if got := rec.Body.String(); got != c.want {
			t.Errorf("%s: client %q, want %q", c.name, got, c.want)
		}
	}
}

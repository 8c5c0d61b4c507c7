package samlsp_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkHandleACS verifies the committed SP-initiated seed (Response and
// Assertion both signed with RSA-SHA256) with a fresh SP and stores each
// time, so the replay check never short-cuts it.
func BenchmarkHandleACS(b *testing.B) {
	_, cert := fuzzIdP(b)
	seed, err := os.ReadFile("testdata/fuzz/FuzzHandleACS/sp-initiated-both-signed")
	if err != nil {
		b.Fatal(err)
	}
	line := strings.Split(string(seed), "\n")[1]
	doc, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(line, "[]byte("), ")"))
	if err != nil {
		b.Fatal(err)
	}
	body := url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString([]byte(doc))}}.Encode()
	b.ReportAllocs()
	for b.Loop() {
		sp := fuzzSP(b, cert)
		r := httptest.NewRequest(http.MethodPost, fuzzACS, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if _, err := sp.HandleACS(r); err != nil {
			b.Fatal(detail(err))
		}
	}
}

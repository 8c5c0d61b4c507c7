package quipsim_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
)

func benchServer(b *testing.B) (*quipsim.Server, quipsim.Company, string, *httptest.Server) {
	b.Helper()
	ctx := context.Background()
	srv, err := quipsim.New(ctx, quipsim.Config{DB: filepath.Join(b.TempDir(), "bench.db"), RateLimit: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	c, err := srv.CreateCompany(ctx, "acme", true, []string{"acme.test"})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := srv.IssueToken(ctx, c.ID)
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	b.Cleanup(hs.Close)
	return srv, c, tok, hs
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[min(int(float64(len(d))*p), len(d)-1)]
}

// BenchmarkCreateUsers POSTs b.N users over loopback TCP from concurrent
// clients with the rate limit off (run with -benchtime=100000x).
func BenchmarkCreateUsers(b *testing.B) {
	_, _, tok, hs := benchServer(b)
	const clients = 12
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"name":{"givenName":"U","familyName":"%d"},"emails":[{"value":"user%d@acme.test","type":"work","primary":true}],"externalId":"E%d"}`, i, i, i)
				req, _ := http.NewRequest("POST", hs.URL+"/2/Users", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/scim+json")
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				lat[i] = time.Since(t0)
				if res.StatusCode != 201 {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d creates failed", n)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "creates/s")
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
}

// BenchmarkEmailLookup answers `GET /2/Users?filter=emails eq ...` over
// loopback TCP in a company of 100,000 users.
func BenchmarkEmailLookup(b *testing.B) {
	srv, c, tok, hs := benchServer(b)
	const users = 100_000
	if err := quipsim.BulkCreateUsers(context.Background(), srv, c.ID, "acme.test", users); err != nil {
		b.Fatal(err)
	}
	client := hs.Client()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/2/Users?filter=emails%%20eq%%20U%d@acme.test", hs.URL, (i*7919)%users), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		t0 := time.Now()
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		lat = append(lat, time.Since(t0))
		if res.StatusCode != 200 || !strings.Contains(string(body), `"totalResults":1`) {
			b.Fatalf("%d %s", res.StatusCode, body)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
}

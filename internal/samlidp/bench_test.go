package samlidp_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"slices"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
)

// BenchmarkSSOResponse compares signed SSO Responses per second per core
// (RSA-2048, assertion signed, RSA-SHA256) with the raw crypto/rsa
// RSA-2048 PKCS#1 v1.5 SHA-256 signing rate measured in the same run. The
// target is ratio >= 0.60 and an unloaded p99 latency <= 5 ms.
func BenchmarkSSOResponse(b *testing.B) {
	cfg := baseConfig(b)
	cfg.Sign = samlidp.SignAssertion
	cfg.Signature = samlidp.RSASHA256
	key := cfg.Key.Signer.(*rsa.PrivateKey)
	idp := newIdP()
	ctx := context.Background()
	req := &samlidp.AuthnRequest{ID: "_bench-request", SPEntityID: testSPEntityID, ACSURL: testACS, RelayState: "/"}
	subject := testSubject()
	digest := sha256.Sum256([]byte("SAMLResponse"))

	rawSign := func(b *testing.B) {
		if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:]); err != nil {
			b.Fatal(err)
		}
	}
	makeResponse := func(b *testing.B) {
		if _, err := idp.MakeResponse(ctx, cfg, req, subject, testNow); err != nil {
			b.Fatal(err)
		}
	}

	b.Run("rsa2048-pkcs1v15-sha256", func(b *testing.B) {
		for b.Loop() {
			rawSign(b)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signs/s")
	})
	b.Run("response-rsa2048-assertion-sha256", func(b *testing.B) {
		lat := make([]time.Duration, 0, 4096)
		for b.Loop() {
			start := time.Now()
			makeResponse(b)
			lat = append(lat, time.Since(start))
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "responses/s")
		reportPercentiles(b, lat)
	})
	// Interleaved, so that both rates see the same machine load.
	b.Run("ratio", func(b *testing.B) {
		var signT, respT time.Duration
		lat := make([]time.Duration, 0, 4096)
		for b.Loop() {
			t0 := time.Now()
			rawSign(b)
			t1 := time.Now()
			makeResponse(b)
			d := time.Since(t1)
			signT += t1.Sub(t0)
			respT += d
			lat = append(lat, d)
		}
		signRate := float64(b.N) / signT.Seconds()
		respRate := float64(b.N) / respT.Seconds()
		b.ReportMetric(signRate, "rsa-signs/s")
		b.ReportMetric(respRate, "responses/s")
		b.ReportMetric(respRate/signRate, "ratio")
		reportPercentiles(b, lat)
	})
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	p := func(q float64) float64 {
		return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
}

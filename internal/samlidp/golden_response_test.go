package samlidp_test

import (
	"context"
	"crypto/rsa"
	"errors"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
)

// counterReader yields 0, 1, 2, … so IDs are reproducible.
type counterReader struct{ n byte }

func (c *counterReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = c.n
		c.n++
	}
	return len(p), nil
}

// TestResponseGolden pins the wire form of a signed Response. RSA PKCS#1
// v1.5 signatures are deterministic, so with fixed IDs and clock the whole
// document, signatures included, is reproducible.
func TestResponseGolden(t *testing.T) {
	cfg := baseConfig(t)
	cfg.Sign = samlidp.SignBoth
	cfg.DefaultRelayState = "https://example.quip.com/"
	idp := &samlidp.IdP{Rand: &counterReader{}}
	req := &samlidp.AuthnRequest{ID: "_req-golden", SPEntityID: testSPEntityID, ACSURL: testACS, RelayState: "rs"}
	resp, err := idp.MakeResponse(context.Background(), cfg, req, testSubject(), testNow)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "response-sp-initiated.golden.xml", append(resp.XML(), '\n'))
	golden(t, "response-sp-initiated.golden.html", resp.PostFormNonce("golden-nonce"))

	cfg.Sign = samlidp.SignAssertion
	cfg.NameIDFormat = samlidp.NameIDTransient
	resp, err = (&samlidp.IdP{Rand: &counterReader{}}).MakeResponse(context.Background(), cfg, nil, testSubject(), testNow.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "response-idp-initiated-transient.golden.xml", append(resp.XML(), '\n'))
}

func TestTypedNilKeyRefused(t *testing.T) {
	cfg := baseConfig(t)
	cfg.Key = &samlidp.KeyPair{Signer: (*rsa.PrivateKey)(nil), Chain: cfg.Key.Chain}
	if _, err := newIdP().MakeResponse(context.Background(), cfg, nil, testSubject(), testNow); !errors.Is(err, samlidp.ErrInvalidConfig) {
		t.Fatalf("typed nil key: %v", err)
	}
}

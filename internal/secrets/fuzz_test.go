package secrets_test

import (
	"bytes"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/secrets"
)

func FuzzOpen(f *testing.F) {
	s, _ := secrets.New(bytes.Repeat([]byte{7}, secrets.KeySize))
	good, _ := s.Seal([]byte("secret"), []byte("ad"))
	f.Add(good, "ad")
	f.Add("v1:", "")
	f.Add("v1:00000000:", "x")
	f.Fuzz(func(t *testing.T, sealed, ad string) {
		pt, err := s.Open(sealed, []byte(ad))
		if err == nil {
			// Only a genuine value opens; re-sealing must round-trip.
			again, err := s.Seal(pt, []byte(ad))
			if err != nil {
				t.Fatal(err)
			}
			if got, err := s.Open(again, []byte(ad)); err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("round trip failed: %v", err)
			}
		}
	})
}

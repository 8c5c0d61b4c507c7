package secrets_test

import (
	"bytes"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/secrets"
)

func BenchmarkSeal(b *testing.B) {
	s, _ := secrets.New(bytes.Repeat([]byte{1}, secrets.KeySize))
	pt := bytes.Repeat([]byte("x"), 64)
	for b.Loop() {
		if _, err := s.Seal(pt, []byte("scim-token:app:1")); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	s, _ := secrets.New(bytes.Repeat([]byte{1}, secrets.KeySize))
	sealed, _ := s.Seal(bytes.Repeat([]byte("x"), 64), []byte("scim-token:app:1"))
	for b.Loop() {
		if _, err := s.Open(sealed, []byte("scim-token:app:1")); err != nil {
			b.Fatal(err)
		}
	}
}

package secrets_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/secrets"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, secrets.KeySize) }

func TestSealOpenRoundTrip(t *testing.T) {
	s, err := secrets.New(key(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range [][]byte{nil, []byte("x"), []byte("a longer secret token value"), bytes.Repeat([]byte{0}, 4096)} {
		sealed, err := s.Seal(pt, []byte("scim-token:app:1"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(sealed, "v1:"+secrets.KeyID(key(1))+":") {
			t.Fatalf("sealed = %q, want v1:<keyid>: prefix", sealed)
		}
		got, err := s.Open(sealed, []byte("scim-token:app:1"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, pt) {
			t.Fatalf("Open = %q, want %q", got, pt)
		}
	}
}

func TestSealUsesFreshNonces(t *testing.T) {
	s, _ := secrets.New(key(1))
	a, _ := s.Seal([]byte("same"), nil)
	b, _ := s.Seal([]byte("same"), nil)
	if a == b {
		t.Fatal("two seals of the same plaintext are equal")
	}
}

func TestOpenRefuses(t *testing.T) {
	s, _ := secrets.New(key(1))
	other, _ := secrets.New(key(2))
	sealed, _ := s.Seal([]byte("secret"), []byte("row:1"))
	otherSealed, _ := other.Seal([]byte("secret"), []byte("row:1"))
	// Tamper with the ciphertext itself (not the base64 text, where a flipped
	// bit can make an invalid character instead of a changed byte).
	cut := strings.LastIndexByte(sealed, ':') + 1
	body, err := base64.RawURLEncoding.DecodeString(sealed[cut:])
	if err != nil {
		t.Fatal(err)
	}
	body[len(body)-3] ^= 0x01
	flip := sealed[:cut] + base64.RawURLEncoding.EncodeToString(body)
	cases := []struct {
		name   string
		sealed string
		ad     string
		want   error
	}{
		{"other row", sealed, "row:2", secrets.ErrOpen},
		{"no ad", sealed, "", secrets.ErrOpen},
		{"tampered", string(flip), "row:1", secrets.ErrOpen},
		{"unknown key", otherSealed, "row:1", secrets.ErrUnknownKey},
		{"empty", "", "row:1", secrets.ErrMalformed},
		{"bad version", "v2" + sealed[2:], "row:1", secrets.ErrMalformed},
		{"truncated", sealed[:15], "row:1", secrets.ErrMalformed},
		{"bad base64", sealed[:12] + "!!!!", "row:1", secrets.ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Open(c.sealed, []byte(c.ad))
			if !errors.Is(err, c.want) {
				t.Fatalf("Open err = %v, want %v", err, c.want)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	old, _ := secrets.New(key(1))
	sealed, _ := old.Seal([]byte("secret"), []byte("ad"))
	rotated, err := secrets.New(key(2), key(1))
	if err != nil {
		t.Fatal(err)
	}
	got, err := rotated.Open(sealed, []byte("ad"))
	if err != nil || string(got) != "secret" {
		t.Fatalf("Open old value after rotation = %q, %v", got, err)
	}
	if !rotated.NeedsReseal(sealed) {
		t.Fatal("value under the old key should need resealing")
	}
	fresh, _ := rotated.Seal(got, []byte("ad"))
	if rotated.NeedsReseal(fresh) {
		t.Fatal("value under the primary key should not need resealing")
	}
	if _, err := old.Open(fresh, []byte("ad")); !errors.Is(err, secrets.ErrUnknownKey) {
		t.Fatalf("old sealer opened a value under the new key: %v", err)
	}
}

func TestKeys(t *testing.T) {
	if _, err := secrets.New(make([]byte, 16)); err == nil {
		t.Fatal("16-byte key accepted")
	}
	k, err := secrets.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := secrets.ParseKey(k + "\n")
	if err != nil || len(raw) != secrets.KeySize {
		t.Fatalf("ParseKey(GenerateKey) = %d bytes, %v", len(raw), err)
	}
	if _, err := secrets.ParseKey("c2hvcnQ="); err == nil || !strings.Contains(err.Error(), "32") {
		t.Fatalf("short key: err = %v", err)
	}
	if _, err := secrets.ParseKey("not base64 at all!"); err == nil {
		t.Fatal("garbage accepted")
	}
}

package auth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// cheap keeps the tests fast; DefaultParams is exercised once.
var cheap = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashFormatAndVerify(t *testing.T) {
	h := auth.Hasher{}
	enc, err := h.Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash = %q, want PHC argon2id with default params", enc)
	}
	ok, rehash, err := h.Verify(enc, "correct horse battery staple")
	if err != nil || !ok || rehash {
		t.Fatalf("Verify right password = %v, %v, %v", ok, rehash, err)
	}
	ok, _, err = h.Verify(enc, "correct horse battery stapler")
	if err != nil || ok {
		t.Fatalf("Verify wrong password = %v, %v", ok, err)
	}
}

func TestHashesAreSalted(t *testing.T) {
	h := auth.Hasher{Params: cheap}
	a, _ := h.Hash("same password!!")
	b, _ := h.Hash("same password!!")
	if a == b {
		t.Fatal("two hashes of one password are equal")
	}
}

func TestRehashWhenParamsChange(t *testing.T) {
	old := auth.Hasher{Params: cheap}
	enc, _ := old.Hash("a fine password")
	newer := auth.Hasher{Params: auth.Params{Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}
	ok, rehash, err := newer.Verify(enc, "a fine password")
	if err != nil || !ok || !rehash {
		t.Fatalf("Verify under new params = ok %v rehash %v err %v, want ok and rehash", ok, rehash, err)
	}
	ok, rehash, _ = newer.Verify(enc, "wrong password!")
	if ok || rehash {
		t.Fatal("wrong password must not ask for a rehash")
	}
	enc2, _ := newer.Hash("a fine password")
	if ok, rehash, _ := newer.Verify(enc2, "a fine password"); !ok || rehash {
		t.Fatal("fresh hash should not need a rehash")
	}
}

func TestVerifyMalformed(t *testing.T) {
	h := auth.Hasher{Params: cheap}
	for _, enc := range []string{
		"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$",
	} {
		if _, _, err := h.Verify(enc, "whatever pass"); !errors.Is(err, auth.ErrMalformedHash) {
			t.Errorf("Verify(%q) err = %v, want ErrMalformedHash", enc, err)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	cases := []struct {
		pw string
		ok bool
	}{
		{"short", false},
		{strings.Repeat("a", 11), false},
		{strings.Repeat("a", 12), true},
		{strings.Repeat("é", 12), true},
		{strings.Repeat("a", 256), true},
		{strings.Repeat("a", 257), false},
		{"\xff\xfe" + strings.Repeat("a", 12), false},
	}
	for _, c := range cases {
		err := auth.CheckPasswordPolicy("password", c.pw)
		if (err == nil) != c.ok {
			t.Errorf("policy(%d chars) = %v, want ok=%v", len(c.pw), err, c.ok)
		}
		if err != nil {
			if directory.ErrorCode(err) != directory.EINVALID || directory.ErrorFields(err)[0].Field != "password" {
				t.Errorf("policy error = %v, want EINVALID on field password", err)
			}
		}
	}
}

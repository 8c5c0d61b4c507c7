package auth_test

import (
	"errors"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
)

// FuzzParseAPIKeyToken feeds arbitrary Authorization tokens to the parser:
// it never panics, refuses with ErrKeyMalformed, and what it accepts is
// exactly jg_<prefix>_<secret> again.
func FuzzParseAPIKeyToken(f *testing.F) {
	f.Add("jg_0123456789abcdef_" + "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
	f.Add("jg_0123456789ABCDEF_00")
	f.Add("jg__")
	f.Add("jg_a_b_c")
	f.Add("Bearer jg_x")
	f.Fuzz(func(t *testing.T, token string) {
		prefix, secret, err := auth.ParseAPIKeyToken(token)
		if err != nil {
			if !errors.Is(err, auth.ErrKeyMalformed) {
				t.Fatalf("error %v is not ErrKeyMalformed", err)
			}
			if prefix != "" || secret != "" {
				t.Fatalf("refused token gave prefix %q secret %q", prefix, secret)
			}
			return
		}
		if "jg_"+prefix+"_"+secret != token {
			t.Fatalf("accepted %q as prefix %q secret %q", token, prefix, secret)
		}
	})
}

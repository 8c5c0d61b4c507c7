package scim_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/scim"
)

// FuzzParseListParams feeds arbitrary query strings to the list parameter
// parser: no panic, refusals are 400 invalidValue, and accepted values are
// in range (startIndex at least 1, count from 0 to the maximum).
func FuzzParseListParams(f *testing.F) {
	f.Add("filter=userName+eq+%22ada%22&startIndex=1&count=10&attributes=userName,emails&excludedAttributes=groups")
	f.Add("startIndex=-5&count=999999")
	f.Add("count=1e3")
	f.Add("startIndex=99999999999999999999")
	f.Add("sortBy=name.familyName&count=-1&attributes=,,")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		p, err := scim.ParseListParams(q, 100, 1000)
		if err != nil {
			var se *scim.Error
			if !errors.As(err, &se) || se.Status != 400 || se.ScimType != scim.TypeInvalidValue {
				t.Fatalf("refusal %#v, want 400 invalidValue", err)
			}
			return
		}
		if p.StartIndex < 1 || p.Count < 0 || p.Count > 1000 {
			t.Fatalf("%q gave startIndex %d count %d", raw, p.StartIndex, p.Count)
		}
	})
}

package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

var testSchema = &Schema{ID: SchemaUser, Attributes: []Attribute{
	{Name: "userName", Type: "string"},
	{Name: "displayName", Type: "string"},
	{Name: "active", Type: "boolean"},
	{Name: "name", Type: "complex", SubAttributes: []Attribute{{Name: "givenName", Type: "string"}, {Name: "familyName", Type: "string"}, {Name: "formatted", Type: "string"}}},
	{Name: "emails", Type: "complex", MultiValued: true, SubAttributes: []Attribute{{Name: "value", Type: "string"}, {Name: "type", Type: "string"}, {Name: "primary", Type: "boolean"}}},
}}

func res(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

const alice = `{"id":"1","userName":"alice","externalId":"E1","active":true,"displayName":"Alice Smith",
 "name":{"givenName":"Alice","familyName":"Smith"},
 "emails":[{"value":"Alice@Acme.test","type":"work","primary":true}],
 "meta":{"created":"2026-01-02T03:04:05Z"}}`

func TestFilterMatch(t *testing.T) {
	r := res(t, alice)
	cases := map[string]bool{
		`userName eq "alice"`:                                            true,
		`userName eq "ALICE"`:                                            true,
		`userName ne "alice"`:                                            false,
		`emails eq "alice@acme.test"`:                                    true,
		`emails eq alice@acme.test`:                                      true,
		`emails.value eq alice@acme.test`:                                true,
		`emails[type eq "work"]`:                                         true,
		`emails[type eq "work" and value co "acme"]`:                     true,
		`emails[type eq "home"]`:                                         false,
		`name.givenName sw "Al" and name.familyName ew "th"`:             true,
		`not (active eq true)`:                                           false,
		`(active eq false) or displayName co "Smi"`:                      true,
		`externalId eq "E1"`:                                             true,
		`externalId eq "e1"`:                                             false,
		`externalId pr`:                                                  true,
		`meta.created gt "2026-01-01T00:00:00Z"`:                         true,
		`meta.created lt "2026-01-01T00:00:00Z"`:                         false,
		`userName gt "a" and userName le "alice"`:                        true,
		`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "alice"`: true,
	}
	for f, want := range cases {
		pf, err := ParseFilter(f, testSchema)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if got := pf.Match(r); got != want {
			t.Errorf("%s: got %v want %v", f, got, want)
		}
	}
}

func TestFilterInvalid(t *testing.T) {
	for _, f := range []string{``, `foo eq "x"`, `userName xx "a"`, `active eq "yes"`, `name eq "x"`,
		`emails[foo eq "x"]`, `(userName eq "a"`, `userName eq`, `name.nope eq "x"`, strings.Repeat("a", 5000)} {
		_, err := ParseFilter(f, testSchema)
		var se *Error
		if !errors.As(err, &se) || se.Status != 400 || se.ScimType != TypeInvalidFilter {
			t.Errorf("%q: want invalidFilter, got %v", f, err)
		}
	}
}

func TestFilterEquality(t *testing.T) {
	for f, want := range map[string]string{`emails eq a@b.c`: "emails.value", `Emails.Value eq "a@b.c"`: "emails.value", `userName eq "a@b.c"`: "userName"} {
		pf, err := ParseFilter(f, testSchema)
		if err != nil {
			t.Fatal(err)
		}
		attr, v, ok := pf.Equality()
		if !ok || attr != want || v != "a@b.c" {
			t.Errorf("%s: got %s %s %v", f, attr, v, ok)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{`emails eq a@b.c`, `userName eq "x" and not (active eq true)`, `emails[type eq "work"]`, `meta.created gt "2026-01-01T00:00:00Z"`, `((`, `a eq "\"`} {
		f.Add(s)
	}
	r := map[string]any{"userName": "x", "emails": []any{map[string]any{"value": "a@b.c", "type": "work"}}}
	f.Fuzz(func(t *testing.T, s string) {
		pf, err := ParseFilter(s, testSchema)
		if err != nil {
			if AsError(err).Status != 400 {
				t.Fatalf("non-400 error %v", err)
			}
			return
		}
		pf.Match(r)
		pf.Equality()
	})
}

func TestSimpleEqMatchesParser(t *testing.T) {
	for _, f := range []string{`emails eq "a@b.c"`, `emails.value eq a@b.c`, `userName EQ "x y"`, `name.givenName eq "Al"`} {
		fast, ok := simpleEq(f)
		q := quoteBareValues(f)
		slow, err := ParseFilterNumberForTest(q)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if ok && fmt.Sprint(fast) != fmt.Sprint(slow) {
			t.Errorf("%s: fast %v, parser %v", f, fast, slow)
		}
	}
	if _, ok := simpleEq(`userName eq "a" and x eq y`); ok {
		t.Error("compound filter taken by the fast path")
	}
}

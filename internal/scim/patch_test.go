package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func patch(t *testing.T, body string) []PatchOp {
	t.Helper()
	p, err := DecodePatch(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return p.Operations
}

func TestApplyPatch(t *testing.T) {
	r := res(t, alice)
	ops := patch(t, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
	 {"op":"replace","path":"emails[type eq \"work\"].value","value":"new@acme.test"},
	 {"op":"replace","path":"name.givenName","value":"Alicia"},
	 {"op":"add","value":{"displayName":"AS","active":"False","id":"ignored"}},
	 {"op":"add","path":"emails","value":[{"value":"second@acme.test"}]},
	 {"op":"remove","path":"externalId"},
	 {"op":"replace","path":"userName","value":"ignored"}]}`)
	out, err := ApplyPatch(r, ops, testSchema, PatchOptions{Ignore: []string{"userName"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(out)
	for _, want := range []string{`"new@acme.test"`, `"givenName":"Alicia"`, `"displayName":"AS"`, `"active":false`, `"second@acme.test"`, `"id":"1"`, `"userName":"alice"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("missing %s in %s", want, b)
		}
	}
	if bytes.Contains(b, []byte("externalId")) {
		t.Errorf("externalId not removed: %s", b)
	}
	if Get(r, "displayName") != "Alice Smith" {
		t.Error("input changed")
	}
}

func TestApplyPatchErrors(t *testing.T) {
	cases := map[string]string{
		`{"op":"replace","path":"nope","value":1}`:                             TypeInvalidPath,
		`{"op":"replace","path":"emails[","value":1}`:                          TypeInvalidPath,
		`{"op":"replace","path":"id","value":"x"}`:                             TypeMutability,
		`{"op":"replace","path":"emails[type eq \"home\"].value","value":"x"}`: TypeNoTarget,
		`{"op":"remove","path":"emails[value eq \"zzz\"]"}`:                    TypeNoTarget,
		`{"op":"replace","value":"notanobject"}`:                               TypeInvalidValue,
	}
	for op, want := range cases {
		ops := patch(t, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+op+`]}`)
		_, err := ApplyPatch(res(t, alice), ops, testSchema, PatchOptions{})
		var se *Error
		if !errors.As(err, &se) || se.ScimType != want || se.Status != 400 {
			t.Errorf("%s: want %s, got %v", op, want, err)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for body, want := range map[string]string{
		`{`:                     TypeInvalidSyntax,
		`{"schemas":["urn:x"]}`: TypeInvalidSyntax,
		`{"schemas":[]}`:        TypeInvalidSyntax,
		`{"schemas":["` + SchemaUser + `"],"active":"x"}`: TypeInvalidValue,
		`{"schemas":["` + SchemaUser + `"]} {}`:           TypeInvalidSyntax,
	} {
		_, err := DecodeUser(strings.NewReader(body))
		var se *Error
		if !errors.As(err, &se) || se.ScimType != want {
			t.Errorf("%s: want %s got %v", body, want, err)
		}
	}
}

func FuzzDecodeUser(f *testing.F) {
	f.Add([]byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","emails":[{"value":"a@b.c"}]}`))
	f.Add([]byte(`{"schemas":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := DecodeUser(bytes.NewReader(b)); err != nil && AsError(err).Status != 400 {
			t.Fatalf("status %d", AsError(err).Status)
		}
	})
}

func FuzzDecodeGroup(f *testing.F) {
	f.Add([]byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g","members":[{"value":"1"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := DecodeGroup(bytes.NewReader(b)); err != nil && AsError(err).Status != 400 {
			t.Fatalf("status %d", AsError(err).Status)
		}
	})
}

func FuzzPatch(f *testing.F) {
	f.Add([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"emails[type eq \"work\"].value","value":"x@y"}]}`))
	f.Add([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","value":{"name":{"givenName":"x"}}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodePatch(bytes.NewReader(b))
		if err != nil {
			if AsError(err).Status != 400 {
				t.Fatalf("status %d", AsError(err).Status)
			}
			return
		}
		r := map[string]any{"id": "1", "userName": "a", "emails": []any{map[string]any{"value": "a@b.c", "type": "work"}}}
		if _, err := ApplyPatch(r, p.Operations, testSchema, PatchOptions{}); err != nil && AsError(err).Status != 400 {
			t.Fatalf("status %d: %v", AsError(err).Status, err)
		}
	})
}

func TestApplyPatchComplexMerges(t *testing.T) {
	ops := patch(t, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"name","value":{"givenName":"Al"}}]}`)
	out, err := ApplyPatch(res(t, alice), ops, testSchema, PatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := out["name"].(map[string]any)
	if n["givenName"] != "Al" || n["familyName"] != "Smith" {
		t.Fatalf("name %v", n)
	}
}

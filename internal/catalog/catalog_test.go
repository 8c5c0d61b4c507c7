package catalog_test

import (
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

func TestSearch(t *testing.T) {
	if n := len(catalog.All()); n != 4 {
		t.Fatalf("All() has %d templates", n)
	}
	for q, want := range map[string]string{"QUIP": "quip", "qu": "quip", "scim": "custom-scim", "book": "bookmark", " saml ": "custom-saml"} {
		got := catalog.Search(q)
		if len(got) != 1 || got[0].ID != want {
			t.Errorf("Search(%q) = %+v, want %s", q, got, want)
		}
	}
	if got := catalog.Search("custom"); len(got) != 2 || got[0].Name != "Custom SAML App" {
		t.Errorf("Search(custom) = %+v", got)
	}
	if got := catalog.Search("nothing"); got == nil || len(got) != 0 {
		t.Errorf("Search(nothing) = %#v", got)
	}
}

func TestQuipTemplate(t *testing.T) {
	q, err := catalog.Get("quip")
	if err != nil {
		t.Fatal(err)
	}
	if !q.Capabilities.SSOSAML || q.Capabilities.IdentityManagement != catalog.IdMQuip ||
		q.IdMBaseURLPattern != "https://{domain}.quip.com/business/admin/scim" || q.NameIDFormat != directory.NameIDEmailAddress {
		t.Fatalf("quip = %+v", q)
	}
	jit := map[string]string{}
	for _, a := range q.Attributes {
		if a.JITRequired {
			if !a.Enabled {
				t.Errorf("JIT attribute %s is off by default", a.Name)
			}
			jit[a.Name] = a.Source.Attribute
		}
	}
	if len(jit) != 3 || jit["email"] != "email" || jit["firstname"] != "firstname" || jit["lastname"] != "lastname" {
		t.Fatalf("JIT attributes = %v", jit)
	}
	// Templates are copies: changing one does not change the catalog.
	q.Attributes[0].Name = "changed"
	if again, _ := catalog.Get("quip"); again.Attributes[0].Name != "email" {
		t.Fatal("Get returned the catalog's own slice")
	}
	if _, err := catalog.Get("nope"); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Fatalf("Get(nope) = %v", err)
	}
	for _, tpl := range catalog.All() {
		s := directory.AppSSO{IdPEntityID: "urn:x", Attributes: tpl.Attributes}
		s.Normalize()
		if err := s.Validate(); err != nil {
			t.Errorf("template %s attributes: %v", tpl.ID, err)
		}
	}
}

package quipsim_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestRFC_BothBasePaths(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do("POST", "/business/admin/scim/2/Users", userBody("a@acme.test", "A", "B"))
	if r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	loc := r.Header.Get("Location")
	if !strings.HasPrefix(loc, e.http.URL+"/business/admin/scim/2/Users/") || r.JSON(t)["meta"].(map[string]any)["location"] != loc {
		t.Fatalf("Location %q, meta %v", loc, r.JSON(t)["meta"])
	}
	id := r.JSON(t)["id"].(string)
	if r := e.do("GET", "/2/Users/"+id, nil); r.Status != 200 {
		t.Fatalf("other base: %d", r.Status)
	}
}

func TestRFC_CreateAnswers201WithMeta(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do("POST", "/2/Users", userBody("a@acme.test", "A", "B"))
	if r.Status != 201 || r.Header.Get("Content-Type") != "application/scim+json" {
		t.Fatalf("%d %s", r.Status, r.Header.Get("Content-Type"))
	}
	m := r.JSON(t)
	meta := m["meta"].(map[string]any)
	if meta["resourceType"] != "User" || meta["created"] == nil || meta["lastModified"] == nil || meta["location"] != r.Header.Get("Location") {
		t.Fatalf("meta %v", meta)
	}
	if m["schemas"].([]any)[0] != "urn:ietf:params:scim:schemas:core:2.0:User" {
		t.Fatalf("schemas %v", m["schemas"])
	}
}

func TestRFC_ListPaging(t *testing.T) {
	e := newEnv(t, nil)
	for i := range 7 {
		e.createUser(fmt.Sprintf("u%d@acme.test", i), "U", fmt.Sprint(i))
	}
	r := e.do("GET", "/2/Users?startIndex=3&count=2", nil)
	m := r.JSON(t)
	if m["totalResults"] != 7.0 || m["startIndex"] != 3.0 || m["itemsPerPage"] != 2.0 {
		t.Fatalf("%s", r.Body)
	}
	rs := resources(t, r)
	if rs[0]["userName"] != "u2" || rs[1]["userName"] != "u3" {
		t.Fatalf("page %v", rs)
	}
	m = e.do("GET", "/2/Users?count=0", nil).JSON(t)
	if m["totalResults"] != 7.0 || m["itemsPerPage"] != 0.0 || len(m["Resources"].([]any)) != 0 {
		t.Fatalf("count=0: %v", m)
	}
	m = e.do("GET", "/2/Users?startIndex=6&count=10", nil).JSON(t)
	if m["itemsPerPage"] != 2.0 {
		t.Fatalf("last page: %v", m)
	}
	m = e.do("GET", "/2/Users?filter="+url.QueryEscape(`userName sw "u"`)+"&startIndex=7", nil).JSON(t)
	if m["totalResults"] != 7.0 || m["itemsPerPage"] != 1.0 {
		t.Fatalf("filtered paging: %v", m)
	}
	wantError(t, e.do("GET", "/2/Users?count=abc", nil), 400, "invalidValue")
	// an empty company still answers 200 with an empty list
	m = e.do("GET", "/2/Groups", nil).JSON(t)
	if m["totalResults"] != 0.0 || m["Resources"] == nil {
		t.Fatalf("empty list: %v", m)
	}
}

func TestRFC_GeneralFilters(t *testing.T) {
	e := newEnv(t, nil)
	e.createUser("ann@acme.test", "Ann", "Lee")
	e.createUser("bob@acme.test", "Bob", "Lee")
	b := e.createUser("cat@other.test", "Cat", "Stevens")
	e.do("DELETE", "/2/Users/"+b["id"].(string), nil)
	cases := map[string]int{
		`name.familyName eq "Lee"`:                                           2,
		`emails co "acme"`:                                                   2,
		`emails[type eq "work" and value ew "other.test"]`:                   1,
		`active eq false`:                                                    1,
		`not (active eq false) and userName ne "ann"`:                        1,
		`(userName eq "ann" or userName eq "bob") and name.givenName sw "A"`: 1,
		`externalId pr`:                                                      0,
		`meta.created ge "2020-01-01T00:00:00Z"`:                             3,
		`displayName gt "B"`:                                                 2,
	}
	for f, want := range cases {
		if got := len(resources(t, e.do("GET", "/2/Users?filter="+url.QueryEscape(f), nil))); got != want {
			t.Errorf("%s: %d, want %d", f, got, want)
		}
	}
	for _, f := range []string{`nickName eq "x"`, `userName eq`, `emails[nope eq "x"]`, `userName zz "x"`, `active eq "yes"`} {
		wantError(t, e.do("GET", "/2/Users?filter="+url.QueryEscape(f), nil), 400, "invalidFilter")
	}
	wantError(t, e.do("GET", "/2/Users?sortBy=userName", nil), 400, "invalidFilter")
}

func TestRFC_AttributesProjection(t *testing.T) {
	e := newEnv(t, nil)
	u := e.createUser("p@acme.test", "P", "Q")
	rs := resources(t, e.do("GET", "/2/Users?attributes=userName,name.givenName", nil))
	if len(rs[0]) != 4 || rs[0]["userName"] != "p" || rs[0]["name"].(map[string]any)["givenName"] != "P" || rs[0]["id"] == nil {
		t.Fatalf("attributes: %v", rs[0])
	}
	rs = resources(t, e.do("GET", "/2/Users?excludedAttributes=emails,meta", nil))
	if _, ok := rs[0]["emails"]; ok {
		t.Fatalf("excluded: %v", rs[0])
	}
	one := e.do("GET", "/2/Users/"+u["id"].(string)+"?attributes=emails.value", nil).JSON(t)
	if em := one["emails"].([]any)[0].(map[string]any); len(em) != 1 || em["value"] != "p@acme.test" {
		t.Fatalf("GET attributes: %v", one)
	}
}

func TestRFC_PutReplacesAndNeverCreates(t *testing.T) {
	e := newEnv(t, nil)
	body := userBody("a@acme.test", "A", "B")
	body["externalId"] = "X1"
	u := e.do("POST", "/2/Users", body).JSON(t)
	put := userBody("a2@acme.test", "Zed", "Zulu")
	r := e.do("PUT", "/2/Users/"+u["id"].(string), put)
	m := r.JSON(t)
	if r.Status != 200 || m["externalId"] != nil || m["name"].(map[string]any)["formatted"] != "Zed Zulu" || m["emails"].([]any)[0].(map[string]any)["value"] != "a2@acme.test" {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	wantError(t, e.do("PUT", "/2/Users/does-not-exist", put), 404, "")
}

func TestRFC_PatchOperations(t *testing.T) {
	e := newEnv(t, nil)
	u := e.createUser("a@acme.test", "A", "B")
	id := u["id"].(string)
	p := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
	  {"op":"replace","path":"emails[type eq \"work\"].value","value":"new@acme.test"},
	  {"op":"add","path":"externalId","value":"E9"},
	  {"op":"replace","path":"name.familyName","value":"Brown"},
	  {"op":"add","path":"emails","value":[{"value":"second@acme.test","type":"home"}]},
	  {"op":"replace","value":{"displayName":"Ay"}}]}`
	r := e.do("PATCH", "/2/Users/"+id, p)
	m := r.JSON(t)
	if r.Status != 200 || m["externalId"] != "E9" || m["displayName"] != "Ay" || m["name"].(map[string]any)["formatted"] != "A Brown" || len(m["emails"].([]any)) != 2 {
		t.Fatalf("PATCH: %d %s", r.Status, r.Body)
	}
	r = e.do("PATCH", "/2/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"emails[value eq \"second@acme.test\"]"},{"op":"remove","path":"externalId"}]}`)
	m = r.JSON(t)
	if r.Status != 200 || len(m["emails"].([]any)) != 1 || m["externalId"] != nil {
		t.Fatalf("remove: %d %s", r.Status, r.Body)
	}
}

func TestRFC_PatchIsAtomic(t *testing.T) {
	e := newEnv(t, nil)
	u := e.createUser("a@acme.test", "A", "B")
	e.createUser("taken@acme.test", "T", "T")
	id := u["id"].(string)
	cases := map[string][2]any{
		`{"op":"replace","path":"displayName","value":"Changed"},{"op":"replace","path":"nickName","value":"x"}`:                                     {400, "invalidPath"},
		`{"op":"replace","path":"displayName","value":"Changed"},{"op":"replace","path":"emails[type eq \"home\"].value","value":"x@y"}`:             {400, "noTarget"},
		`{"op":"replace","path":"displayName","value":"Changed"},{"op":"replace","path":"id","value":"x"}`:                                           {400, "mutability"},
		`{"op":"replace","path":"displayName","value":"Changed"},{"op":"replace","path":"emails[type eq \"work\"].value","value":"TAKEN@acme.test"}`: {409, "uniqueness"},
		`{"op":"replace","path":"displayName","value":"Changed"},{"op":"replace","path":"active","value":"maybe"}`:                                   {400, "invalidValue"},
		`{"op":"replace","path":"displayName","value":"Changed"},{"op":"remove"}`:                                                                    {400, "noTarget"},
		`{"op":"replace","path":"displayName","value":"Changed"},{"op":"frob","path":"displayName"}`:                                                 {400, "invalidValue"},
		`{"op":"replace","path":"emails[type eq","value":"x"}`:                                                                                       {400, "invalidPath"},
	}
	for ops, want := range cases {
		r := e.do("PATCH", "/2/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+ops+`]}`)
		wantError(t, r, want[0].(int), want[1].(string))
	}
	if got := e.do("GET", "/2/Users/"+id, nil).JSON(t)["displayName"]; got != "A B" {
		t.Fatalf("displayName %v after failed patches", got)
	}
	wantError(t, e.do("PATCH", "/2/Users/nope", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"x"}]}`), 404, "")
}

func TestRFC_BadInput(t *testing.T) {
	e := newEnv(t, nil)
	wantError(t, e.do("POST", "/2/Users", `{"schemas":`), 400, "invalidSyntax")
	wantError(t, e.do("POST", "/2/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"emails":[{"value":"a@acme.test"}]}`), 400, "invalidSyntax")
	wantError(t, e.do("POST", "/2/Users", `{"emails":[{"value":"a@acme.test"}]}`), 400, "invalidSyntax")
	wantError(t, e.do("POST", "/2/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"emails":"a@acme.test"}`), 400, "invalidValue")
	wantError(t, e.do("POST", "/2/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"emails":[{"value":"not-an-email"}]}`), 400, "invalidValue")
	wantError(t, e.do("POST", "/2/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`), 400, "invalidValue")
	wantError(t, e.do("POST", "/2/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":""}`), 400, "invalidValue")
	wantError(t, e.do("PATCH", "/2/Users/x", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Operations":[]}`), 400, "invalidSyntax")
	big := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"displayName":"` + strings.Repeat("x", 1<<20) + `"}`
	wantError(t, e.do("POST", "/2/Users", big), 413, "")
	wantError(t, e.do("GET", "/2/Users/unknown", nil), 404, "")
	wantError(t, e.do("GET", "/2/Nope", nil), 404, "")
	wantError(t, e.do("DELETE", "/2/Users", nil), 405, "")
	if us, _ := e.srv.ListUsers(t.Context(), e.company.ID); len(us) != 0 {
		t.Fatalf("bad input created users: %v", us)
	}
}

func TestRFC_ContentTypes(t *testing.T) {
	e := newEnv(t, nil)
	for _, ct := range []string{"application/json", "application/scim+json; charset=utf-8"} {
		req := strings.NewReader(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"emails":[{"value":"` + strings.ReplaceAll(ct[12:16], "/", "") + `@acme.test"}]}`)
		hr, _ := newReq("POST", e.http.URL+"/2/Users", req, e.token, ct)
		res, err := e.http.Client().Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 201 || res.Header.Get("Content-Type") != "application/scim+json" {
			t.Fatalf("%s: %d %s", ct, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
	hr, _ := newReq("POST", e.http.URL+"/2/Users", strings.NewReader("x"), e.token, "text/xml")
	res, _ := e.http.Client().Do(hr)
	res.Body.Close()
	if res.StatusCode != 415 {
		t.Fatalf("text/xml: %d", res.StatusCode)
	}
}

func TestRFC_Discovery(t *testing.T) {
	e := newEnv(t, nil)
	spc := e.do("GET", "/2/ServiceProviderConfig", nil).JSON(t)
	sup := func(k string) any { return spc[k].(map[string]any)["supported"] }
	if sup("patch") != true || sup("filter") != true || sup("sort") != false || sup("bulk") != false || sup("etag") != false || sup("changePassword") != false {
		t.Fatalf("config %v", spc)
	}
	if spc["authenticationSchemes"].([]any)[0].(map[string]any)["type"] != "oauthbearertoken" {
		t.Fatalf("auth schemes %v", spc["authenticationSchemes"])
	}
	rt := e.do("GET", "/business/admin/scim/2/ResourceTypes", nil).JSON(t)
	if rt["totalResults"] != 2.0 {
		t.Fatalf("resource types %v", rt)
	}
	if r := e.do("GET", "/2/ResourceTypes/Group", nil); !strings.Contains(string(r.Body), "PATCH is not supported") {
		t.Fatalf("group resource type: %s", r.Body)
	}
	sc := e.do("GET", "/2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", nil).JSON(t)
	if sc["id"] != "urn:ietf:params:scim:schemas:core:2.0:User" {
		t.Fatalf("schema %v", sc)
	}
	wantError(t, e.do("GET", "/2/Schemas/urn:nope", nil), 404, "")
}

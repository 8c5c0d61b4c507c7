package quipsim_test

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
)

func TestQuipRule_UserNameAssignedByService(t *testing.T) {
	e := newEnv(t, nil)
	u := e.createUser("Alice.Smith@acme.test", "Alice", "Smith")
	if u["userName"] != "alice.smith" {
		t.Fatalf("userName %v, want alice.smith", u["userName"])
	}
	u2 := e.createUser("alice.smith@other.test", "Alice", "Other")
	if u2["userName"] != "alice.smith2" {
		t.Fatalf("second userName %v, want alice.smith2", u2["userName"])
	}
	id := u["id"].(string)
	body := userBody("Alice.Smith@acme.test", "Alice", "Smith")
	body["userName"] = "changed"
	if r := e.do("PUT", "/2/Users/"+id, body); r.Status != 200 || r.JSON(t)["userName"] != "alice.smith" {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"userName","value":"x"},{"op":"replace","value":{"userName":"y"}}]}`
	if r := e.do("PATCH", "/2/Users/"+id, patch); r.Status != 200 || r.JSON(t)["userName"] != "alice.smith" {
		t.Fatalf("PATCH: %d %s", r.Status, r.Body)
	}
}

func TestQuipRule_OnlyFullNameStored(t *testing.T) {
	e := newEnv(t, nil)
	u := e.createUser("mary@acme.test", "Mary Ann", "Smith")
	name := u["name"].(map[string]any)
	if name["formatted"] != "Mary Ann Smith" || name["givenName"] != "Mary" || name["familyName"] != "Ann Smith" {
		t.Fatalf("name %v", name)
	}
	if name["formatted"] != name["givenName"].(string)+" "+name["familyName"].(string) {
		t.Fatalf("formatted is not givenName + space + familyName: %v", name)
	}
	// formatted alone is used only when no given/family name is sent.
	body := userBody("bob@acme.test", "", "")
	body["name"] = map[string]any{"formatted": "Bob Jones"}
	r := e.do("POST", "/2/Users", body)
	n := r.JSON(t)["name"].(map[string]any)
	if n["givenName"] != "Bob" || n["familyName"] != "Jones" {
		t.Fatalf("name from formatted: %v", n)
	}
	us, _ := e.srv.ListUsers(context.Background(), e.company.ID)
	if us[0].FullName != "Mary Ann Smith" {
		t.Fatalf("stored %q", us[0].FullName)
	}
}

func TestQuipRule_EmailTypeAlwaysWork(t *testing.T) {
	e := newEnv(t, nil)
	body := userBody("a@acme.test", "A", "B")
	body["emails"] = []any{map[string]any{"value": "a@acme.test", "type": "home"}, map[string]any{"value": "a2@acme.test", "type": "other", "primary": true}}
	u := e.do("POST", "/2/Users", body).JSON(t)
	for _, em := range u["emails"].([]any) {
		if em.(map[string]any)["type"] != "work" {
			t.Fatalf("emails %v", u["emails"])
		}
	}
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"emails[value eq \"a@acme.test\"].type","value":"home"}]}`
	r := e.do("PATCH", "/2/Users/"+u["id"].(string), patch)
	if r.Status != 200 || r.JSON(t)["emails"].([]any)[0].(map[string]any)["type"] != "work" {
		t.Fatalf("patch type: %d %s", r.Status, r.Body)
	}
}

func TestQuipRule_EmailsUniqueWithinCompany(t *testing.T) {
	e := newEnv(t, nil)
	first := e.createUser("dup@acme.test", "A", "B")
	wantError(t, e.do("POST", "/2/Users", userBody("DUP@Acme.Test", "C", "D")), 409, "uniqueness")
	second := e.createUser("other@acme.test", "C", "D")
	wantError(t, e.do("PUT", "/2/Users/"+second["id"].(string), userBody("Dup@acme.test", "C", "D")), 409, "uniqueness")
	// deactivated users still hold their e-mail
	e.do("DELETE", "/2/Users/"+first["id"].(string), nil)
	wantError(t, e.do("POST", "/2/Users", userBody("dup@acme.test", "C", "D")), 409, "uniqueness")
	// another company may use the same address
	ctx := context.Background()
	c2, _ := e.srv.CreateCompany(ctx, "globex", true, nil)
	tok2, _ := e.srv.IssueToken(ctx, c2.ID)
	if r := e.doTok(tok2, "POST", "/2/Users", userBody("dup@acme.test", "A", "B")); r.Status != 201 {
		t.Fatalf("other company: %d %s", r.Status, r.Body)
	}
	us, _ := e.srv.ListUsers(ctx, e.company.ID)
	if len(us) != 2 {
		t.Fatalf("%d users, want 2", len(us))
	}
}

func TestQuipRule_DeleteDeactivates(t *testing.T) {
	e := newEnv(t, nil)
	u := e.createUser("gone@acme.test", "G", "One")
	id := u["id"].(string)
	if r := e.do("DELETE", "/2/Users/"+id, nil); r.Status != 204 || len(r.Body) != 0 {
		t.Fatalf("DELETE: %d %s", r.Status, r.Body)
	}
	r := e.do("GET", "/2/Users/"+id, nil)
	if r.Status != 200 || r.JSON(t)["active"] != false {
		t.Fatalf("GET after DELETE: %d %s", r.Status, r.Body)
	}
	if r := e.do("DELETE", "/2/Users/"+id, nil); r.Status != 204 {
		t.Fatalf("second DELETE: %d", r.Status)
	}
	wantError(t, e.do("DELETE", "/2/Users/nope", nil), 404, "")
}

func TestQuipRule_FiltersReturnDeactivatedUsers(t *testing.T) {
	e := newEnv(t, nil)
	body := userBody("Old@acme.test", "Old", "User")
	body["externalId"] = "EMP-1"
	u := e.do("POST", "/2/Users", body).JSON(t)
	e.do("DELETE", "/2/Users/"+u["id"].(string), nil)
	e.createUser("new@acme.test", "New", "User")
	for _, f := range []string{`emails eq "old@acme.test"`, `emails eq old@acme.test`, `emails.value eq "OLD@acme.test"`,
		`emails.value eq Old@acme.test`, `userName eq "old"`, `userName eq old`, `externalId eq "EMP-1"`} {
		rs := resources(t, e.do("GET", "/2/Users?filter="+url.QueryEscape(f), nil))
		if len(rs) != 1 || rs[0]["id"] != u["id"] || rs[0]["active"] != false {
			t.Errorf("%s: %v", f, rs)
		}
	}
	// Quip's own scripts send the filter unescaped.
	rs := resources(t, e.do("GET", "/2/Users?filter=emails%20eq%20old@acme.test", nil))
	if len(rs) != 1 {
		t.Errorf("unescaped filter: %v", rs)
	}
}

func TestQuipRule_UsersKeepExternalIDGroupsHaveNone(t *testing.T) {
	e := newEnv(t, nil)
	body := userBody("x@acme.test", "X", "Y")
	body["externalId"] = "E-42"
	u := e.do("POST", "/2/Users", body).JSON(t)
	if u["externalId"] != "E-42" {
		t.Fatalf("user externalId %v", u["externalId"])
	}
	g := e.do("POST", "/2/Groups", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"},
		"displayName": "Eng", "externalId": "G-1", "members": []any{}})
	if g.Status != 201 {
		t.Fatalf("group: %d %s", g.Status, g.Body)
	}
	if _, ok := g.JSON(t)["externalId"]; ok {
		t.Fatalf("group externalId returned: %s", g.Body)
	}
	get := e.do("GET", "/2/Groups/"+g.JSON(t)["id"].(string), nil)
	if _, ok := get.JSON(t)["externalId"]; ok {
		t.Fatalf("group externalId returned: %s", get.Body)
	}
}

func TestQuipRule_RolesIgnored(t *testing.T) {
	e := newEnv(t, nil)
	body := userBody("r@acme.test", "R", "S")
	body["roles"] = []any{map[string]any{"value": "admin"}}
	r := e.do("POST", "/2/Users", body)
	if r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if _, ok := r.JSON(t)["roles"]; ok {
		t.Fatalf("roles returned")
	}
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"roles","value":[{"value":"x"}]}]}`
	if r := e.do("PATCH", "/2/Users/"+r.JSON(t)["id"].(string), patch); r.Status != 200 {
		t.Fatalf("patch roles: %d %s", r.Status, r.Body)
	}
}

func TestQuipRule_ActiveToggleEndsSessions(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	u := e.createUser("s@acme.test", "S", "T")
	id := u["id"].(string)
	tok, err := e.srv.StartSession(ctx, e.company.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.SessionUser(ctx, tok); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"false", "true"} {
		p := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":` + v + `}]}`
		if r := e.do("PATCH", "/2/Users/"+id, p); r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	}
	if _, err := e.srv.SessionUser(ctx, tok); !errors.Is(err, quipsim.ErrNotFound) {
		t.Fatalf("session survived the toggle: %v", err)
	}
	// deactivation by DELETE ends sessions too
	tok2, _ := e.srv.StartSession(ctx, e.company.ID, id)
	e.do("DELETE", "/2/Users/"+id, nil)
	if _, err := e.srv.SessionUser(ctx, tok2); !errors.Is(err, quipsim.ErrNotFound) {
		t.Fatalf("session survived deactivation: %v", err)
	}
}

func TestQuipRule_GroupsRefuseFilterAndSort(t *testing.T) {
	e := newEnv(t, nil)
	wantError(t, e.do("GET", "/2/Groups?filter="+url.QueryEscape(`displayName eq "x"`), nil), 400, "invalidFilter")
	wantError(t, e.do("GET", "/2/Groups?sortBy=displayName", nil), 400, "invalidFilter")
}

func TestQuipRule_GroupPatchNotSupported(t *testing.T) {
	e := newEnv(t, nil)
	g := e.do("POST", "/2/Groups", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "G"}).JSON(t)
	wantError(t, e.do("PATCH", "/2/Groups/"+g["id"].(string), `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"H"}]}`), 501, "")
	if got := e.do("GET", "/2/Groups/"+g["id"].(string), nil).JSON(t)["displayName"]; got != "G" {
		t.Fatalf("displayName changed to %v", got)
	}
}

func TestQuipRule_GroupPutReplacesNameAndMembers(t *testing.T) {
	e := newEnv(t, nil)
	a := e.createUser("a@acme.test", "A", "A")["id"].(string)
	b := e.createUser("b@acme.test", "B", "B")["id"].(string)
	g := e.do("POST", "/2/Groups", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "G",
		"members": []any{map[string]any{"value": a}}}).JSON(t)
	id := g["id"].(string)
	r := e.do("PUT", "/2/Groups/"+id, map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "H",
		"members": []any{map[string]any{"value": b}}})
	m := r.JSON(t)
	ms := m["members"].([]any)
	if r.Status != 200 || m["displayName"] != "H" || len(ms) != 1 || ms[0].(map[string]any)["value"] != b || ms[0].(map[string]any)["display"] != "B B" {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	wantError(t, e.do("PUT", "/2/Groups/nope", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "X"}), 404, "")
}

func TestQuipRule_UnknownMembersRejected(t *testing.T) {
	e := newEnv(t, nil)
	a := e.createUser("a@acme.test", "A", "A")["id"].(string)
	g := e.do("POST", "/2/Groups", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "G",
		"members": []any{map[string]any{"value": a}}}).JSON(t)
	wantError(t, e.do("POST", "/2/Groups", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "X",
		"members": []any{map[string]any{"value": a}, map[string]any{"value": "ghost"}}}), 400, "invalidValue")
	wantError(t, e.do("PUT", "/2/Groups/"+g["id"].(string), map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "Renamed",
		"members": []any{map[string]any{"value": "ghost"}}}), 400, "invalidValue")
	gs, _ := e.srv.ListGroups(context.Background(), e.company.ID)
	if len(gs) != 1 || gs[0].DisplayName != "G" || len(gs[0].Members) != 1 {
		t.Fatalf("state changed: %+v", gs)
	}
}

func TestQuipRule_DeleteGroupRemovesIt(t *testing.T) {
	e := newEnv(t, nil)
	g := e.do("POST", "/2/Groups", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "G"}).JSON(t)
	if r := e.do("DELETE", "/2/Groups/"+g["id"].(string), nil); r.Status != 204 {
		t.Fatalf("%d", r.Status)
	}
	wantError(t, e.do("GET", "/2/Groups/"+g["id"].(string), nil), 404, "")
	wantError(t, e.do("DELETE", "/2/Groups/"+g["id"].(string), nil), 404, "")
}

func TestQuipRule_TokensOnlyForEnterprise(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	c, _ := e.srv.CreateCompany(ctx, "smallco", false, nil)
	if _, err := e.srv.IssueToken(ctx, c.ID); !errors.Is(err, quipsim.ErrNotEnterprise) {
		t.Fatalf("got %v", err)
	}
}

// The guide's recipe for giving a disabled account's e-mail to a new account.
func TestQuipRule_ReassignEmailOfDisabledAccount(t *testing.T) {
	e := newEnv(t, nil)
	old := e.createUser("reuse@acme.test", "Old", "Owner")
	e.do("DELETE", "/2/Users/"+old["id"].(string), nil)
	wantError(t, e.do("POST", "/2/Users", userBody("reuse@acme.test", "New", "Owner")), 409, "uniqueness")
	rs := resources(t, e.do("GET", "/2/Users?filter=emails%20eq%20reuse@acme.test", nil))
	if len(rs) != 1 {
		t.Fatalf("lookup: %v", rs)
	}
	p := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"emails","value":[{"value":"retired-` + rs[0]["id"].(string) + `@acme.test","type":"work","primary":true}]}]}`
	if r := e.do("PATCH", "/2/Users/"+rs[0]["id"].(string), p); r.Status != 200 || r.JSON(t)["active"] != false {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/2/Users", userBody("reuse@acme.test", "New", "Owner")); r.Status != 201 {
		t.Fatalf("new account: %d %s", r.Status, r.Body)
	}
}

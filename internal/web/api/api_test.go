package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

func TestUsersEndpoints(t *testing.T) { backends(t, testUsersEndpoints) }

func testUsersEndpoints(t *testing.T, dsn string) {
	e := newEnvDSN(t, dsn)
	r := e.must("POST", "/api/v1/users", `{"username":"ada","email":"Ada@Example.com","firstname":"Ada","lastname":"Lovelace"}`, 201)
	var ada directory.User
	r.decode(t, &ada)
	if ada.ID == "" || ada.Email != "ada@example.com" || ada.State != directory.UserActivated || r.header.Get("Location") != "/api/v1/users/"+ada.ID {
		t.Fatalf("created %+v, Location %q", ada, r.header.Get("Location"))
	}
	for i := 0; i < 5; i++ {
		e.must("POST", "/api/v1/users", fmt.Sprintf(`{"username":"user%d","email":"user%d@example.com","lastname":"Z%d","state":"staged"}`, i, i, 4-i), 201)
	}
	var page api.Page[directory.User]
	e.must("GET", "/api/v1/users?limit=2&offset=1&sort=username", "", 200).decode(t, &page)
	if page.Total != 6 || page.Limit != 2 || page.Offset != 1 || len(page.Items) != 2 || page.Items[0].Username != "user0" {
		t.Fatalf("page = %+v", page)
	}
	e.must("GET", "/api/v1/users?q=LOVE", "", 200).decode(t, &page)
	if page.Total != 1 || page.Items[0].ID != ada.ID {
		t.Fatalf("search = %+v", page)
	}
	e.must("GET", "/api/v1/users?sort=lastname&order=desc&state=staged", "", 200).decode(t, &page)
	if page.Total != 5 || page.Items[0].LastName != "Z4" {
		t.Fatalf("sorted = %+v", page)
	}
	var got directory.User
	e.must("GET", "/api/v1/users/"+ada.ID, "", 200).decode(t, &got)
	if got.Username != "ada" {
		t.Fatalf("get = %+v", got)
	}
	e.must("PATCH", "/api/v1/users/"+ada.ID, `{"displayName":"Countess","lastname":"King"}`, 200).decode(t, &got)
	if got.DisplayName != "Countess" || got.LastName != "King" || got.FirstName != "Ada" {
		t.Fatalf("patched = %+v", got)
	}
	before := e.counts()
	e.must("PATCH", "/api/v1/users/"+ada.ID, `{}`, 200)
	e.must("PATCH", "/api/v1/users/"+ada.ID, `{"lastname":"King"}`, 200)
	if e.counts() != before {
		t.Fatal("a no-op PATCH wrote something")
	}
	e.must("POST", "/api/v1/users/"+ada.ID+"/suspend", "", 200).decode(t, &got)
	if got.State != directory.UserSuspended {
		t.Fatalf("suspended = %+v", got)
	}
	e.must("POST", "/api/v1/users/"+ada.ID+"/activate", "", 200).decode(t, &got)
	if got.State != directory.UserActivated {
		t.Fatalf("activated = %+v", got)
	}
	var groups api.Page[directory.Group]
	e.must("GET", "/api/v1/users/"+ada.ID+"/groups", "", 200).decode(t, &groups)
	if groups.Total != 0 || groups.Items == nil {
		t.Fatalf("groups of ada = %+v", groups)
	}
	e.must("DELETE", "/api/v1/users/"+ada.ID, "", 204)
	e.must("GET", "/api/v1/users/"+ada.ID, "", 404)
	e.must("DELETE", "/api/v1/users/"+ada.ID, "", 404)
}

func TestGroupsAndMembersEndpoints(t *testing.T) { backends(t, testGroupsAndMembersEndpoints) }

func testGroupsAndMembersEndpoints(t *testing.T, dsn string) {
	e := newEnvDSN(t, dsn)
	var a, b directory.User
	e.must("POST", "/api/v1/users", `{"username":"a","email":"a@example.com"}`, 201).decode(t, &a)
	e.must("POST", "/api/v1/users", `{"username":"b","email":"b@example.com"}`, 201).decode(t, &b)
	var g directory.Group
	r := e.must("POST", "/api/v1/groups", `{"name":"Engineering","description":"builds things"}`, 201)
	r.decode(t, &g)
	if r.header.Get("Location") != "/api/v1/groups/"+g.ID {
		t.Fatalf("Location = %q", r.header.Get("Location"))
	}
	e.must("POST", "/api/v1/groups", `{"name":"Sales"}`, 201)
	var added map[string][]string
	e.must("POST", "/api/v1/groups/"+g.ID+"/members", fmt.Sprintf(`{"userIds":[%q,%q]}`, a.ID, b.ID), 200).decode(t, &added)
	if len(added["added"]) != 2 {
		t.Fatalf("added = %v", added)
	}
	e.must("POST", "/api/v1/groups/"+g.ID+"/members", fmt.Sprintf(`{"userIds":[%q]}`, a.ID), 200).decode(t, &added)
	if len(added["added"]) != 0 {
		t.Fatalf("re-added = %v", added)
	}
	var members api.Page[directory.User]
	e.must("GET", "/api/v1/groups/"+g.ID+"/members?sort=username", "", 200).decode(t, &members)
	if members.Total != 2 || members.Items[0].ID != a.ID {
		t.Fatalf("members = %+v", members)
	}
	var got directory.Group
	e.must("GET", "/api/v1/groups/"+g.ID, "", 200).decode(t, &got)
	if got.MemberCount != 2 {
		t.Fatalf("group = %+v", got)
	}
	var groups api.Page[directory.Group]
	e.must("GET", "/api/v1/users/"+a.ID+"/groups", "", 200).decode(t, &groups)
	if groups.Total != 1 || groups.Items[0].ID != g.ID {
		t.Fatalf("groups of a = %+v", groups)
	}
	e.must("GET", "/api/v1/groups?q=eng", "", 200).decode(t, &groups)
	if groups.Total != 1 {
		t.Fatalf("group search = %+v", groups)
	}
	e.must("GET", "/api/v1/groups?sort=name&order=desc", "", 200).decode(t, &groups)
	if groups.Items[0].Name != "Sales" {
		t.Fatalf("group sort = %+v", groups)
	}
	var removed map[string][]string
	e.must("DELETE", "/api/v1/groups/"+g.ID+"/members", fmt.Sprintf(`{"userIds":[%q,"nobody"]}`, b.ID), 200).decode(t, &removed)
	if len(removed["removed"]) != 1 || removed["removed"][0] != b.ID {
		t.Fatalf("removed = %v", removed)
	}
	e.must("PATCH", "/api/v1/groups/"+g.ID, `{"name":"Eng"}`, 200).decode(t, &got)
	if got.Name != "Eng" || got.Description != "builds things" {
		t.Fatalf("patched = %+v", got)
	}
	e.must("DELETE", "/api/v1/groups/"+g.ID, "", 204)
	e.must("GET", "/api/v1/groups/"+g.ID, "", 404)

	var changes api.ChangesPage
	// Skip the admin accounts' and API keys' own change records.
	e.must("GET", "/api/v1/changes?limit=1&resourceType=user", "", 200).decode(t, &changes)
	e.must("GET", fmt.Sprintf("/api/v1/changes?limit=3&after=%d", changes.Items[0].Seq-1), "", 200).decode(t, &changes)
	if len(changes.Items) != 3 || changes.Items[0].Kind != directory.UserCreated || changes.NextAfter != changes.Items[2].Seq {
		t.Fatalf("changes = %+v", changes)
	}
	e.must("GET", fmt.Sprintf("/api/v1/changes?after=%d&resourceType=group", changes.NextAfter), "", 200).decode(t, &changes)
	var kinds []string
	for _, c := range changes.Items {
		kinds = append(kinds, string(c.Kind))
		if c.Actor.Email != "admin@example.com" {
			t.Fatalf("actor = %+v", c.Actor)
		}
	}
	want := "group.created,group.member_added,group.member_added,group.member_removed,group.updated,group.deleted"
	if strings.Join(kinds, ",") != want {
		t.Fatalf("group changes = %v", kinds)
	}
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	before := e.counts()
	cases := []struct {
		name, method, path, key, body string
		status                        int
		code                          string
	}{
		{"no key", "GET", "/api/v1/users", "", "", 401, "unauthorized"},
		{"no key write", "POST", "/api/v1/users", "", `{"username":"x","email":"x@example.com"}`, 401, "unauthorized"},
		{"garbage key", "GET", "/api/v1/users", "nonsense", "", 401, "unauthorized"},
		{"wrong secret", "GET", "/api/v1/users", e.adminKey[:len(e.adminKey)-4] + "0000", "", 401, "unauthorized"},
		{"unknown prefix", "GET", "/api/v1/users", "jg_000000000000_" + strings.Repeat("a", 64), "", 401, "unauthorized"},
		{"read-only create", "POST", "/api/v1/users", e.roKey, `{"username":"x","email":"x@example.com"}`, 403, "forbidden"},
		{"read-only patch", "PATCH", "/api/v1/users/x", e.roKey, `{"lastname":"y"}`, 403, "forbidden"},
		{"read-only delete", "DELETE", "/api/v1/groups/x", e.roKey, "", 403, "forbidden"},
		{"read-only members", "POST", "/api/v1/groups/x/members", e.roKey, `{"userIds":["a"]}`, 403, "forbidden"},
		{"read-only suspend", "POST", "/api/v1/users/x/suspend", e.roKey, "", 403, "forbidden"},
		{"read-only changes", "GET", "/api/v1/changes", e.roKey, "", 403, "forbidden"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do(c.method, c.path, c.key, c.body)
			if r.status != c.status || r.err(t).Code != c.code || r.err(t).RequestID == "" {
				t.Fatalf("= %d %s, want %d %s", r.status, r.body, c.status, c.code)
			}
			if c.status == 401 && (r.err(t).Message == "" || strings.Contains(string(r.body), "prefix") || strings.Contains(string(r.body), "mismatch")) {
				t.Fatalf("401 says too much: %s", r.body)
			}
		})
	}
	if r := e.do("GET", "/api/v1/users", e.roKey, ""); r.status != 200 {
		t.Fatalf("read-only GET = %d %s", r.status, r.body)
	}
	req := e.do("GET", "/api/v1/users", "", "")
	if req.header.Get("WWW-Authenticate") == "" {
		t.Fatal("401 without WWW-Authenticate")
	}
	if e.counts() != before {
		t.Fatal("a refused request wrote something")
	}
	// The log says why; the answer does not.
	for _, why := range []string{"no Authorization header", "unknown API key prefix", "secret does not match", "malformed API key", "has role read_only"} {
		if !strings.Contains(e.logs.String(), why) {
			t.Errorf("log lacks %q", why)
		}
	}
	if strings.Contains(e.logs.String(), e.adminKey[16:]) {
		t.Error("an API key secret was logged")
	}
	if r := e.do("GET", "/api/v1/openapi.json", "", ""); r.status != 200 || !strings.Contains(string(r.body), `"openapi"`) {
		t.Fatalf("openapi.json = %d", r.status)
	}
}

func TestBadInputChangesNothing(t *testing.T) { backends(t, testBadInputChangesNothing) }

func testBadInputChangesNothing(t *testing.T, dsn string) {
	e := newEnvDSN(t, dsn)
	var u directory.User
	e.must("POST", "/api/v1/users", `{"username":"taken","email":"taken@example.com","employeeIdentifier":"E1"}`, 201).decode(t, &u)
	var g directory.Group
	e.must("POST", "/api/v1/groups", `{"name":"Taken"}`, 201).decode(t, &g)
	e.must("POST", "/api/v1/users", `{"username":"other","email":"other@example.com"}`, 201)
	before := e.counts()
	huge := `{"username":"` + strings.Repeat("a", 1<<20) + `","email":"h@example.com"}`
	cases := []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"too large", "POST", "/api/v1/users", huge, 413, ""},
		{"too large patch", "PATCH", "/api/v1/users/" + u.ID, huge, 413, ""},
		{"malformed", "POST", "/api/v1/users", `{"username":`, 400, ""},
		{"not an object", "POST", "/api/v1/users", `["a"]`, 400, ""},
		{"null", "POST", "/api/v1/groups", `null`, 400, ""},
		{"empty body", "POST", "/api/v1/users", ``, 400, ""},
		{"unknown field", "POST", "/api/v1/users", `{"username":"n","email":"n@example.com","admin":true}`, 400, "admin"},
		{"case-variant field", "POST", "/api/v1/users", `{"Username":"n","email":"n@example.com"}`, 400, "Username"},
		{"duplicate field", "POST", "/api/v1/users", `{"username":"n","username":"m","email":"n@example.com"}`, 400, "username"},
		{"id not settable", "POST", "/api/v1/users", `{"id":"x","username":"n","email":"n@example.com"}`, 400, "id"},
		{"wrong type", "POST", "/api/v1/users", `{"username":5,"email":"n@example.com"}`, 400, "username"},
		{"wrong type patch", "PATCH", "/api/v1/users/" + u.ID, `{"firstname":["x"]}`, 400, "firstname"},
		{"trailing data", "POST", "/api/v1/users", `{"username":"n","email":"n@example.com"} {}`, 400, ""},
		{"missing email", "POST", "/api/v1/users", `{"username":"n"}`, 400, "email"},
		{"bad username", "POST", "/api/v1/users", `{"username":"a b","email":"n@example.com"}`, 400, "username"},
		{"bad state", "POST", "/api/v1/users", `{"username":"n","email":"n@example.com","state":"zombie"}`, 400, "state"},
		{"bad state patch", "PATCH", "/api/v1/users/" + u.ID, `{"state":"zombie"}`, 400, "state"},
		{"dup username", "POST", "/api/v1/users", `{"username":"TAKEN","email":"n@example.com"}`, 409, "username"},
		{"dup email", "POST", "/api/v1/users", `{"username":"n","email":"Taken@Example.com"}`, 409, "email"},
		{"dup employee id", "POST", "/api/v1/users", `{"username":"n","email":"n@example.com","employeeIdentifier":"E1"}`, 409, "employeeIdentifier"},
		{"dup on patch", "PATCH", "/api/v1/users/" + u.ID, `{"username":"other"}`, 409, "username"},
		{"dup group", "POST", "/api/v1/groups", `{"name":"taken"}`, 409, "name"},
		{"group no name", "POST", "/api/v1/groups", `{"description":"x"}`, 400, "name"},
		{"group unknown field", "PATCH", "/api/v1/groups/" + g.ID, `{"members":[]}`, 400, "members"},
		{"unknown user", "GET", "/api/v1/users/nope", "", 404, ""},
		{"unknown user patch", "PATCH", "/api/v1/users/nope", `{"lastname":"x"}`, 404, ""},
		{"unknown user suspend", "POST", "/api/v1/users/nope/suspend", "", 404, ""},
		{"unknown user groups", "GET", "/api/v1/users/nope/groups", "", 404, ""},
		{"unknown group", "GET", "/api/v1/groups/nope", "", 404, ""},
		{"unknown group delete", "DELETE", "/api/v1/groups/nope", "", 404, ""},
		{"unknown group members", "GET", "/api/v1/groups/nope/members", "", 404, ""},
		{"members unknown user", "POST", "/api/v1/groups/" + g.ID + "/members", `{"userIds":["` + u.ID + `","ghost"]}`, 404, ""},
		{"members unknown group", "POST", "/api/v1/groups/nope/members", `{"userIds":["` + u.ID + `"]}`, 404, ""},
		{"members empty", "POST", "/api/v1/groups/" + g.ID + "/members", `{"userIds":[]}`, 400, "userIds"},
		{"members wrong type", "POST", "/api/v1/groups/" + g.ID + "/members", `{"userIds":"a"}`, 400, "userIds"},
		{"members blank id", "DELETE", "/api/v1/groups/" + g.ID + "/members", `{"userIds":[""]}`, 400, "userIds[0]"},
		{"bad limit", "GET", "/api/v1/users?limit=ten", "", 400, "limit"},
		{"negative offset", "GET", "/api/v1/groups?offset=-1", "", 400, "offset"},
		{"bad sort", "GET", "/api/v1/users?sort=password", "", 400, "sort"},
		{"bad order", "GET", "/api/v1/users?order=up", "", 400, "order"},
		{"bad state filter", "GET", "/api/v1/users?state=x", "", 400, "state"},
		{"bad after", "GET", "/api/v1/changes?after=x", "", 400, "after"},
		{"bad resource type", "GET", "/api/v1/changes?resourceType=app", "", 400, "resourceType"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do(c.method, c.path, e.adminKey, c.body)
			if r.status != c.status {
				t.Fatalf("= %d %s, want %d", r.status, r.body, c.status)
			}
			ed := r.err(t)
			if ed.Code == "" || ed.Message == "" || ed.RequestID == "" {
				t.Fatalf("error body = %s", r.body)
			}
			if c.field != "" && (len(ed.Fields) == 0 || ed.Fields[0].Field != c.field) {
				t.Fatalf("fields = %+v, want %s", ed.Fields, c.field)
			}
		})
	}
	if after := e.counts(); after != before {
		t.Fatalf("refused requests wrote something: %v -> %v", before, after)
	}
	// Paging clamps an over-large limit and says so.
	var page api.Page[directory.User]
	e.must("GET", "/api/v1/users?limit=5000", "", 200).decode(t, &page)
	if page.Limit != directory.MaxPageSize {
		t.Fatalf("limit = %d", page.Limit)
	}
}

func TestUnknownRoutesAnswerJSON(t *testing.T) {
	e := newEnv(t)
	r := e.do("DELETE", "/api/v1/users", e.adminKey, "")
	if r.status != http.StatusMethodNotAllowed || !strings.Contains(string(r.body), `"method_not_allowed"`) || r.header.Get("Allow") != "GET, POST" {
		t.Errorf("DELETE /api/v1/users: %d %v %s", r.status, r.header, r.body)
	}
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/nothing"}, {"GET", "/api/v2/users"}, {"PUT", "/api/v1/users/x/y/z"}, {"GET", "/api/"},
	} {
		r := e.do(c.method, c.path, e.adminKey, "")
		var body struct {
			Error struct{ Code, Message string }
		}
		r.decode(t, &body)
		if r.status != http.StatusNotFound || body.Error.Code != "not_found" || !strings.Contains(body.Error.Message, c.path) {
			t.Errorf("%s %s: %d %s", c.method, c.path, r.status, r.body)
		}
	}
}

package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
)

func TestGroupsListSearchAndPaging(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(directory.RoleAdmin)
	b.get("/admin/groups").wantStatus(t, http.StatusOK).wantText(t, "No user groups yet", "+ New group")
	for i := range 51 {
		e.mkGroup(fmt.Sprintf("Team %02d", i))
	}
	g := e.mkGroup("Zebra Wranglers")
	u := e.mkUser("zoe", "Zoe", "Z")
	if _, err := e.Service.AddMembers(ctx, directory.SystemActor, g.ID, []string{u.ID}); err != nil {
		t.Fatal(err)
	}
	p := b.get("/admin/groups").wantStatus(t, http.StatusOK).wantText(t, "1–50 of 52", "Team 00", "Team 49").absent(t, "Team 50")
	p = b.get(p.pagerLink("next")).wantStatus(t, http.StatusOK).wantText(t, "51–52 of 52", "Team 50", "Zebra Wranglers")
	if p.pagerLink("next") != "" || p.pagerLink("prev") == "" {
		t.Fatal("last page links")
	}
	// Search (name or description) with the member count.
	b.get("/admin/groups?q=wrangl").wantStatus(t, http.StatusOK).
		wantText(t, "1–1 of 1", `<a href="/admin/groups/`+g.ID+`/users">1</a>`).absent(t, "Team 01")
	b.get("/admin/groups?q=nothing-matches").wantStatus(t, http.StatusOK).wantText(t, "No user group matches")
	b.get("/admin/groups?offset=-5").wantStatus(t, http.StatusBadRequest)
	b.get("/admin/groups?q="+strings.Repeat("q", 300)).wantStatus(t, http.StatusBadRequest)
}

func TestGroupCreateEditDelete(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(directory.RoleAdmin)
	b.get("/admin/groups/new").wantStatus(t, http.StatusOK).wantText(t, `for="name"`, "Create group")

	p := b.post("/admin/groups", url.Values{"name": {"Engineering"}, "description": {"Builders"}}).wantStatus(t, http.StatusOK).
		wantText(t, "User group Engineering created.", "Find users", `aria-current="page">Users (0)</a>`)
	id := strings.TrimSuffix(strings.TrimPrefix(p.URL.Path, "/admin/groups/"), "/users")
	g, err := e.dirGroup(id)
	if err != nil || g.Name != "Engineering" || g.Description != "Builders" {
		t.Fatalf("created group %+v %v", g, err)
	}
	// A taken name (any case): the field error, the typed values kept, nothing created.
	p = b.post("/admin/groups", url.Values{"name": {"ENGINEERING"}, "description": {"typed text"}}).wantStatus(t, http.StatusConflict).
		wantText(t, `value="ENGINEERING"`, "typed text")
	if !strings.Contains(p.Body, `aria-invalid="true">`+"\n"+`<span class="field-error" role="alert">already taken</span>`) {
		t.Fatalf("no error next to the name:\n%s", p.Body)
	}
	b.post("/admin/groups", url.Values{"name": {"  "}}).wantStatus(t, http.StatusBadRequest).wantText(t, "is required")
	if e.groupTotal() != 1 {
		t.Fatalf("%d groups after refused forms", e.groupTotal())
	}

	// Details tab: edit, refusals keep what was typed.
	b.get("/admin/groups/"+id).wantStatus(t, http.StatusOK).wantText(t, `aria-current="page">Details</a>`, `value="Engineering"`, "Delete group")
	b.post("/admin/groups/"+id, url.Values{"name": {"R&D"}, "description": {"Research"}}).wantStatus(t, http.StatusOK).
		wantText(t, "User group R&D saved.", `value="R&D"`)
	if g, _ := e.dirGroup(id); g.Name != "R&D" || g.Description != "Research" {
		t.Fatalf("after save: %+v", g)
	}
	b.post("/admin/groups/"+id, url.Values{"description": {"Research and development"}}).wantStatus(t, http.StatusOK)
	if g, _ := e.dirGroup(id); g.Name != "R&D" || g.Description != "Research and development" {
		t.Fatalf("after a partial save: %+v", g)
	}
	e.mkGroup("Sales")
	b.post("/admin/groups/"+id, url.Values{"name": {"sales"}, "description": {"kept"}}).wantStatus(t, http.StatusConflict).
		wantText(t, "already taken", `value="sales"`, "kept")
	b.post("/admin/groups/"+id, url.Values{"name": {strings.Repeat("n", 300)}}).wantStatus(t, http.StatusBadRequest).wantText(t, "at most 255")
	if g, _ := e.dirGroup(id); g.Name != "R&D" {
		t.Fatalf("a refused edit changed the group: %+v", g)
	}

	// Delete asks for "I understand".
	b.get("/admin/groups/"+id+"/delete").wantStatus(t, http.StatusOK).wantText(t, "I understand")
	b.post("/admin/groups/"+id+"/delete", nil).wantStatus(t, http.StatusBadRequest).wantText(t, "check “I understand”")
	if _, err := e.dirGroup(id); err != nil {
		t.Fatalf("deleted without confirmation: %v", err)
	}
	p = b.post("/admin/groups/"+id+"/delete", url.Values{"confirm": {"yes"}}).wantStatus(t, http.StatusOK).wantText(t, "User group R&D deleted.")
	if p.URL.Path != "/admin/groups" {
		t.Fatalf("after delete: %s", p.URL)
	}
	if _, err := e.dirGroup(id); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Fatalf("group after delete: %v", err)
	}
}

func TestGroupMembersAddAndRemove(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.mkUser("alice", "Alice", "Archer"), e.mkUser("bob", "Bob", "Archer")
	carol := e.mkUser("carol", "Carol", "Baker")
	g := e.mkGroup("Archers")
	b := e.signedIn(directory.RoleAdmin)
	b.get("/admin/groups/"+g.ID+"/users").wantStatus(t, http.StatusOK).wantText(t, "No members", "Find users").absent(t, "Add selected")

	// Search lists matching users with checkboxes; add the selected ones.
	p := b.get("/admin/groups/"+g.ID+"/users?find=archer").wantStatus(t, http.StatusOK).
		wantText(t, `value="`+alice.ID+`"`, `value="`+bob.ID+`"`, "Add selected").absent(t, carol.ID)
	p = b.post("/admin/groups/"+g.ID+"/users/add", url.Values{"userId": {alice.ID, bob.ID}, "find": {"archer"}}).
		wantStatus(t, http.StatusOK).wantText(t, "2 users added to Archers.", "Users (2)", "1–2 of 2")
	if p.URL.RawQuery != "find=archer" {
		t.Fatalf("after add: %s", p.URL)
	}
	if m := e.memberSet(g.ID); len(m) != 2 || !m[alice.ID] || !m[bob.ID] {
		t.Fatalf("members %v", m)
	}
	// Members are no longer offered.
	b.get("/admin/groups/"+g.ID+"/users?find=archer").wantStatus(t, http.StatusOK).
		wantText(t, "No user outside the group matches", "2 matching users are already members").absent(t, `id="add-`+alice.ID+`"`)

	// Nothing selected, or an unknown user: refused, nothing changes.
	b.post("/admin/groups/"+g.ID+"/users/add", url.Values{}).wantStatus(t, http.StatusBadRequest).wantText(t, "Select at least one user.")
	b.post("/admin/groups/"+g.ID+"/users/add", url.Values{"userId": {carol.ID, "no-such-user"}}).wantStatus(t, http.StatusConflict).
		wantText(t, "no longer exists")
	if m := e.memberSet(g.ID); len(m) != 2 || m[carol.ID] {
		t.Fatalf("members after refused adds: %v", m)
	}

	b.post("/admin/groups/"+g.ID+"/users/remove", url.Values{"userId": {bob.ID}}).wantStatus(t, http.StatusOK).
		wantText(t, "1 user removed from Archers.", "Users (1)", "alice@example.com").absent(t, "bob@example.com")
	if m := e.memberSet(g.ID); len(m) != 1 || !m[alice.ID] {
		t.Fatalf("members after remove: %v", m)
	}
	b.get("/admin/groups/"+g.ID+"/users?offset=x").wantStatus(t, http.StatusBadRequest)
}

func TestGroupApplicationsTab(t *testing.T) {
	e := newEnv(t)
	quip, err := e.Service.CreateApp(ctx, directory.SystemActor, lifecycle.NewApp{TemplateID: "quip", Label: "Quip"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.Service.CreateApp(ctx, directory.SystemActor, lifecycle.NewApp{TemplateID: "custom-saml", Label: "Other SAML"})
	if err != nil {
		t.Fatal(err)
	}
	g := e.mkGroup("Writers")
	u := e.mkUser("wanda", "Wanda", "Writer")
	if _, err := e.Service.AddMembers(ctx, directory.SystemActor, g.ID, []string{u.ID}); err != nil {
		t.Fatal(err)
	}
	b := e.signedIn(directory.RoleAdmin)
	p := b.get("/admin/groups/"+g.ID+"/apps").wantStatus(t, http.StatusOK).
		wantText(t, `aria-current="page">Applications</a>`, "Quip", "Other SAML", "bound to 0 applications")
	p.absent(t, " checked")

	// Check Quip and save: the group is bound, its member may use Quip.
	b.post("/admin/groups/"+g.ID+"/apps", url.Values{"appId": {quip.ID}}).wantStatus(t, http.StatusOK).
		wantText(t, "Applications saved: 1 bound, 0 unbound.", `name="appId" value="`+quip.ID+`" checked`, "bound to 1 application ")
	if got := e.appsOfGroup(g.ID); !slices.Equal(got, []string{quip.ID}) {
		t.Fatalf("bindings %v", got)
	}
	if ok := mayUse(t, e, u.ID, quip.ID); !ok {
		t.Fatal("member may not use the bound app")
	}
	// Swap to the other app: one bound, one unbound.
	b.post("/admin/groups/"+g.ID+"/apps", url.Values{"appId": {other.ID}}).wantStatus(t, http.StatusOK).
		wantText(t, "Applications saved: 1 bound, 1 unbound.")
	if got := e.appsOfGroup(g.ID); !slices.Equal(got, []string{other.ID}) {
		t.Fatalf("bindings %v", got)
	}
	if mayUse(t, e, u.ID, quip.ID) {
		t.Fatal("member still may use the unbound app")
	}
	// An unknown app: refused with the checks kept, nothing changed.
	b.post("/admin/groups/"+g.ID+"/apps", url.Values{"appId": {quip.ID, "no-such-app"}}).wantStatus(t, http.StatusConflict).
		wantText(t, "no longer exists", `name="appId" value="`+quip.ID+`" checked`)
	if got := e.appsOfGroup(g.ID); !slices.Equal(got, []string{other.ID}) {
		t.Fatalf("bindings after a refused save %v", got)
	}
	// Nothing checked unbinds all.
	b.post("/admin/groups/"+g.ID+"/apps", url.Values{}).wantStatus(t, http.StatusOK).wantText(t, "0 bound, 1 unbound.")
	if got := e.appsOfGroup(g.ID); len(got) != 0 {
		t.Fatalf("bindings %v", got)
	}
}

func mayUse(t *testing.T, e *env, userID, appID string) bool {
	t.Helper()
	var ok bool
	if err := e.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		ok, err = lifecycle.UserMayUseApp(ctx, tx, userID, appID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestGroupPagesRefuseForgedReadOnlyAndUnknown(t *testing.T) {
	e := newEnv(t)
	g := e.mkGroup("Stable")
	u := e.mkUser("sam", "Sam", "Stable")
	a, err := e.Service.CreateApp(ctx, directory.SystemActor, lifecycle.NewApp{TemplateID: "quip", Label: "Quip"})
	if err != nil {
		t.Fatal(err)
	}
	b := e.signedIn(directory.RoleAdmin)
	b.get("/admin/groups")

	b.postForm("/admin/groups", url.Values{"name": {"Forged"}}).wantStatus(t, http.StatusForbidden)
	b.postForm("/admin/groups/"+g.ID+"/users/add", url.Values{"userId": {u.ID}, "csrf_token": {"forged"}}).wantStatus(t, http.StatusForbidden)
	b.postForm("/admin/groups/"+g.ID+"/apps", url.Values{"appId": {a.ID}}).wantStatus(t, http.StatusForbidden)
	b.postForm("/admin/groups/"+g.ID+"/delete", url.Values{"confirm": {"yes"}}).wantStatus(t, http.StatusForbidden)

	ro := e.signedIn(directory.RoleReadOnly)
	for _, path := range []string{"/admin/groups", "/admin/groups/" + g.ID, "/admin/groups/" + g.ID + "/users?find=sam", "/admin/groups/" + g.ID + "/apps"} {
		ro.get(path).wantStatus(t, http.StatusOK).wantText(t, "Stable").
			absent(t, "+ New group", "Save group", "Delete group", "Add users", `<button type="submit">save</button>`)
	}
	ro.post("/admin/groups", url.Values{"name": {"Read only"}}).wantStatus(t, http.StatusForbidden)
	ro.post("/admin/groups/"+g.ID, url.Values{"name": {"Renamed"}}).wantStatus(t, http.StatusForbidden)
	ro.post("/admin/groups/"+g.ID+"/users/add", url.Values{"userId": {u.ID}}).wantStatus(t, http.StatusForbidden)
	ro.post("/admin/groups/"+g.ID+"/apps", url.Values{"appId": {a.ID}}).wantStatus(t, http.StatusForbidden)
	ro.post("/admin/groups/"+g.ID+"/delete", url.Values{"confirm": {"yes"}}).wantStatus(t, http.StatusForbidden)

	got, err := e.dirGroup(g.ID)
	if err != nil || got.Name != "Stable" || e.groupTotal() != 1 || len(e.memberSet(g.ID)) != 0 || len(e.appsOfGroup(g.ID)) != 0 {
		t.Fatalf("refused posts changed the directory: %+v %v", got, err)
	}

	for _, path := range []string{"/admin/groups/nope", "/admin/groups/nope/users", "/admin/groups/nope/apps", "/admin/groups/nope/delete"} {
		b.get(path).wantStatus(t, http.StatusNotFound).wantText(t, "not found")
	}
	for _, path := range []string{"/admin/groups/nope", "/admin/groups/nope/users/add", "/admin/groups/nope/users/remove",
		"/admin/groups/nope/apps", "/admin/groups/nope/delete"} {
		b.post(path, url.Values{"name": {"x"}, "userId": {u.ID}, "appId": {a.ID}, "confirm": {"yes"}}).wantStatus(t, http.StatusNotFound)
	}
}

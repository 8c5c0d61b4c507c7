package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

func TestUsersListSearchAndPaging(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(directory.RoleAdmin)
	b.get("/admin/users").wantStatus(t, http.StatusOK).wantText(t, "No users yet", "+ New user")
	for i := range 55 {
		e.mkUser(fmt.Sprintf("user%03d", i), "Test", fmt.Sprintf("Person %d", i))
	}
	zed := e.mkUser("zed", "Zed", "Quokka")

	p := b.get("/admin/users").wantStatus(t, http.StatusOK).wantText(t, "1–50 of 56", "user000", "user049", "Test Person 0")
	p.absent(t, "user050")
	if p.pagerLink("prev") != "" || p.pagerLink("next") == "" {
		t.Fatalf("first page links: prev %q next %q", p.pagerLink("prev"), p.pagerLink("next"))
	}
	p = b.get(p.pagerLink("next")).wantStatus(t, http.StatusOK).wantText(t, "51–56 of 56", "user050", "zed")
	p.absent(t, "user049")
	if p.pagerLink("next") != "" || p.pagerLink("prev") == "" {
		t.Fatalf("last page links: prev %q next %q", p.pagerLink("prev"), p.pagerLink("next"))
	}

	// Search matches names and e-mail addresses as the API does; paging keeps it.
	b.get("/admin/users?q=quokka").wantStatus(t, http.StatusOK).wantText(t, "1–1 of 1", "zed@example.com", "Zed Quokka").absent(t, "user001")
	b.get("/admin/users?q=USER01").wantStatus(t, http.StatusOK).wantText(t, "1–10 of 10", "user019").absent(t, "user020", "zed")
	b.get("/admin/users?q=nobody-like-this").wantStatus(t, http.StatusOK).wantText(t, "No user matches")
	p = b.get("/admin/users?q=user").wantText(t, "1–50 of 55")
	if next := p.pagerLink("next"); !strings.Contains(next, "q=user") || !strings.Contains(next, "offset=50") {
		t.Fatalf("next link %q loses the search", next)
	}

	// Column headers sort, and a second click reverses; paging keeps the order.
	p = b.get("/admin/users?sort=email&order=desc").wantStatus(t, http.StatusOK).
		wantText(t, `aria-sort="descending"><a href="/admin/users?sort=email">E-mail</a>`, `aria-sort="none"><a href="/admin/users?sort=username">`)
	if i, j := strings.Index(p.Body, "zed@example.com"), strings.Index(p.Body, "user054@example.com"); i < 0 || j < 0 || i > j {
		t.Fatalf("sorted by e-mail descending: zed at %d, user054 at %d", i, j)
	}
	if next := p.pagerLink("next"); !strings.Contains(next, "sort=email") || !strings.Contains(next, "order=desc") {
		t.Fatalf("next link %q loses the order", next)
	}
	b.get("/admin/users?q=user05&sort=email").wantText(t, `aria-sort="ascending"><a href="/admin/users?order=desc&q=user05&sort=email">E-mail</a>`)
	b.get("/admin/users?sort=password").wantStatus(t, http.StatusBadRequest)
	b.get("/admin/users?order=sideways").wantStatus(t, http.StatusBadRequest)

	// The state filter and badge.
	if _, err := e.Service.SuspendUser(ctx, directory.SystemActor, zed.ID); err != nil {
		t.Fatal(err)
	}
	p = b.get("/admin/users?q=zed").wantText(t, `<strong aria-current="true">any</strong>`)
	if !strings.Contains(p.Body, `<a href="/admin/users?q=zed&amp;state=suspended">suspended</a>`) {
		t.Fatalf("no state filter link keeping the search:\n%s", p.Body)
	}
	b.get("/admin/users?state=suspended").wantStatus(t, http.StatusOK).
		wantText(t, "1–1 of 1", `<span class="badge suspended">suspended</span>`, `<strong aria-current="true">suspended</strong>`).absent(t, "user001")

	// Malformed parameters are 400.
	b.get("/admin/users?offset=-1").wantStatus(t, http.StatusBadRequest)
	b.get("/admin/users?offset=x").wantStatus(t, http.StatusBadRequest)
	b.get("/admin/users?state=gone").wantStatus(t, http.StatusBadRequest)
	b.get("/admin/users?q="+strings.Repeat("q", 300)).wantStatus(t, http.StatusBadRequest)
}

func TestUserCreate(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(directory.RoleAdmin)
	b.get("/admin/users/new").wantStatus(t, http.StatusOK).wantText(t, "New user", "Make an activation link", `for="username"`)

	// Created with an activation link, shown once on the result page.
	form := url.Values{"username": {"ann"}, "email": {"Ann@Example.com"}, "firstname": {"Ann"}, "lastname": {"Lee"},
		"state": {"staged"}, "activationLink": {"on"}}
	p := b.post("/admin/users", form).wantStatus(t, http.StatusOK).wantText(t, "User ann created.", e.URL+"/activate?token=")
	token := p.activationToken(t)
	u, err := e.Users.CheckActivation(ctx, token)
	if err != nil || u.Username != "ann" || u.Email != "ann@example.com" || u.State != directory.UserStaged || u.LastName != "Lee" {
		t.Fatalf("created user %+v, activation %v", u, err)
	}
	b.get("/admin/users/"+u.ID).wantStatus(t, http.StatusOK).wantText(t, "Ann Lee (ann)", `value="ann@example.com"`, "staged").absent(t, token)

	// A taken e-mail address: the field error, the typed values kept, nothing created.
	n := e.userTotal()
	dup := url.Values{"username": {"ann2"}, "email": {"ANN@example.com"}, "firstname": {"Annie"}, "lastname": {"Other"}}
	p = b.post("/admin/users", dup).wantStatus(t, http.StatusConflict).
		wantText(t, `value="ann2"`, `value="ANN@example.com"`, `value="Annie"`, `value="Other"`)
	if !strings.Contains(p.Body, `name="email" value="ANN@example.com" maxlength="254" autocomplete="off" required aria-invalid="true">`+"\n"+`<span class="field-error" role="alert">already taken</span>`) {
		t.Fatalf("no error next to the e-mail field:\n%s", p.Body)
	}
	// Invalid fields, each shown next to its input.
	p = b.post("/admin/users", url.Values{"username": {"bad name"}, "email": {"not-an-address"}}).wantStatus(t, http.StatusBadRequest).
		wantText(t, "may contain only letters", "is not a valid e-mail address", `value="bad name"`)
	if e.userTotal() != n {
		t.Fatalf("refused forms created users: %d, want %d", e.userTotal(), n)
	}

	// Without a link: straight to the user's page; the default state is activated.
	p = b.post("/admin/users", url.Values{"username": {"bob"}, "email": {"bob@example.com"}}).wantStatus(t, http.StatusOK).
		wantText(t, "User bob created.", `<span class="badge active" id="user-state">activated</span>`)
	if !strings.HasPrefix(p.URL.Path, "/admin/users/") {
		t.Fatalf("after create: %s", p.URL)
	}
	// With the link mailed: it is in the outbox too.
	p = b.post("/admin/users", url.Values{"username": {"cy"}, "email": {"cy@example.com"}, "activationLink": {"on"}, "mailLink": {"on"}}).
		wantStatus(t, http.StatusOK).wantText(t, "also e-mailed to cy@example.com")
	token = p.activationToken(t)
	msgs, err := e.Outbox.List(ctx, 10)
	if err != nil || len(msgs) != 1 || msgs[0].To != "cy@example.com" || !strings.Contains(msgs[0].Body, token) {
		t.Fatalf("outbox %v %+v", err, msgs)
	}
}

func TestUserEditSuspendActivateAndLink(t *testing.T) {
	e := newEnv(t)
	u := e.mkUser("dana", "Dana", "Scully")
	b := e.signedIn(directory.RoleAdmin)
	b.get("/admin/users/"+u.ID).wantStatus(t, http.StatusOK).wantText(t, "Dana Scully (dana)", "Suspend", "Make activation link", "Delete user")

	form := url.Values{"username": {"dana"}, "email": {"dana.scully@example.com"}, "firstname": {"Dana K."}, "lastname": {"Scully"},
		"displayName": {"Agent Scully"}, "employeeIdentifier": {"E-42"}}
	b.post("/admin/users/"+u.ID, form).wantStatus(t, http.StatusOK).wantText(t, "User dana saved.", `value="Agent Scully"`)
	got, _ := e.dirUser(u.ID)
	if got.Email != "dana.scully@example.com" || got.FirstName != "Dana K." || got.DisplayName != "Agent Scully" || got.EmployeeID != "E-42" {
		t.Fatalf("after save: %+v", got)
	}
	// A field the form leaves out keeps its value.
	b.post("/admin/users/"+u.ID, url.Values{"lastname": {"Scully-Mulder"}}).wantStatus(t, http.StatusOK).wantText(t, "User dana saved.")
	got, _ = e.dirUser(u.ID)
	if got.LastName != "Scully-Mulder" || got.Email != "dana.scully@example.com" || got.DisplayName != "Agent Scully" {
		t.Fatalf("after a partial save: %+v", got)
	}
	// A refused edit keeps what was typed and changes nothing.
	e.mkUser("fox", "Fox", "Mulder")
	bad := url.Values{"username": {"fox"}, "email": {"x@example.com"}, "firstname": {"Typed"}}
	b.post("/admin/users/"+u.ID, bad).wantStatus(t, http.StatusConflict).wantText(t, "already taken", `value="Typed"`, `value="x@example.com"`)
	b.post("/admin/users/"+u.ID, url.Values{"username": {"dana"}, "email": {"nope"}}).wantStatus(t, http.StatusBadRequest).
		wantText(t, "is not a valid e-mail address", `value="nope"`)
	if again, _ := e.dirUser(u.ID); *again != *got {
		t.Fatalf("a refused edit changed the user: %+v", again)
	}

	b.post("/admin/users/"+u.ID+"/suspend", nil).wantStatus(t, http.StatusOK).wantText(t, "suspended: they cannot sign in", "Activate")
	if got, _ := e.dirUser(u.ID); got.State != directory.UserSuspended {
		t.Fatalf("state %s after suspend", got.State)
	}
	b.post("/admin/users/"+u.ID+"/activate", nil).wantStatus(t, http.StatusOK).wantText(t, "User dana activated.", "Suspend")
	if got, _ := e.dirUser(u.ID); got.State != directory.UserActivated {
		t.Fatalf("state %s after activate", got.State)
	}

	p := b.post("/admin/users/"+u.ID+"/activation-link", nil).wantStatus(t, http.StatusOK).wantText(t, "Give this activation link to")
	if who, err := e.Users.CheckActivation(ctx, p.activationToken(t)); err != nil || who.ID != u.ID {
		t.Fatalf("activation link: %v %v", who, err)
	}
}

func TestUserGroupsFromTheUserPage(t *testing.T) {
	e := newEnv(t)
	u := e.mkUser("eve", "Eve", "Moneypenny")
	g1, g2 := e.mkGroup("Engineering"), e.mkGroup("Sales")
	b := e.signedIn(directory.RoleAdmin)
	b.get("/admin/users/"+u.ID).wantStatus(t, http.StatusOK).wantText(t, "is in no user group", `<option value="`+g1.ID+`">Engineering</option>`)

	b.post("/admin/users/"+u.ID+"/groups/add", url.Values{"groupId": {g1.ID}}).wantStatus(t, http.StatusOK).
		wantText(t, "eve added to Engineering.", `<a href="/admin/groups/`+g1.ID+`">Engineering</a>`).
		absent(t, `<option value="`+g1.ID+`">`)
	if !e.memberSet(g1.ID)[u.ID] {
		t.Fatal("not added")
	}
	// The group search narrows the choices.
	b.get("/admin/users/"+u.ID+"?gq=sal").wantStatus(t, http.StatusOK).wantText(t, `<option value="`+g2.ID+`">Sales</option>`)
	b.get("/admin/users/"+u.ID+"?gq=zzz").wantStatus(t, http.StatusOK).wantText(t, "No other group matches")

	b.post("/admin/users/"+u.ID+"/groups/remove", url.Values{"groupId": {g1.ID}}).wantStatus(t, http.StatusOK).wantText(t, "eve removed from Engineering.")
	if e.memberSet(g1.ID)[u.ID] {
		t.Fatal("not removed")
	}
	b.post("/admin/users/"+u.ID+"/groups/add", url.Values{"groupId": {"no-such-group"}}).wantStatus(t, http.StatusNotFound)
	b.post("/admin/users/"+u.ID+"/groups/add", url.Values{}).wantStatus(t, http.StatusBadRequest).wantText(t, "choose a group")
	if len(e.memberSet(g1.ID))+len(e.memberSet(g2.ID)) != 0 {
		t.Fatal("refused posts changed memberships")
	}
}

func TestUserDeleteNeedsConfirmation(t *testing.T) {
	e := newEnv(t)
	u := e.mkUser("gone", "Gone", "Soon")
	g := e.mkGroup("Leavers")
	if _, err := e.Service.AddMembers(ctx, directory.SystemActor, g.ID, []string{u.ID}); err != nil {
		t.Fatal(err)
	}
	b := e.signedIn(directory.RoleAdmin)
	b.get("/admin/users/"+u.ID+"/delete").wantStatus(t, http.StatusOK).wantText(t, "I understand", "removed from 1 user group")
	b.post("/admin/users/"+u.ID+"/delete", nil).wantStatus(t, http.StatusBadRequest).wantText(t, "check “I understand”")
	if _, err := e.dirUser(u.ID); err != nil {
		t.Fatalf("deleted without confirmation: %v", err)
	}
	p := b.post("/admin/users/"+u.ID+"/delete", url.Values{"confirm": {"yes"}}).wantStatus(t, http.StatusOK).wantText(t, "User gone deleted.")
	if p.URL.Path != "/admin/users" {
		t.Fatalf("after delete: %s", p.URL)
	}
	if _, err := e.dirUser(u.ID); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Fatalf("user after delete: %v", err)
	}
	if len(e.memberSet(g.ID)) != 0 {
		t.Fatal("membership left behind")
	}
	b.get("/admin/users/"+u.ID).wantStatus(t, http.StatusNotFound)
}

func TestUserPagesRefuseForgedReadOnlyAndUnknown(t *testing.T) {
	e := newEnv(t)
	u := e.mkUser("kept", "Kept", "User")
	b := e.signedIn(directory.RoleAdmin)
	b.get("/admin/users")
	n := e.userTotal()

	// No CSRF token (or a forged one): 403 and nothing changes.
	b.postForm("/admin/users", url.Values{"username": {"mallory"}, "email": {"m@example.com"}}).wantStatus(t, http.StatusForbidden)
	b.postForm("/admin/users/"+u.ID+"/suspend", url.Values{"csrf_token": {"forged"}}).wantStatus(t, http.StatusForbidden)
	b.postForm("/admin/users/"+u.ID+"/delete", url.Values{"confirm": {"yes"}}).wantStatus(t, http.StatusForbidden)

	// A read-only admin sees the pages; their posts are 403.
	ro := e.signedIn(directory.RoleReadOnly)
	// (without the buttons that would only be refused).
	ro.get("/admin/users").wantStatus(t, http.StatusOK).wantText(t, "kept@example.com").absent(t, "+ New user")
	ro.get("/admin/users/"+u.ID).wantStatus(t, http.StatusOK).wantText(t, `value="kept@example.com"`).
		absent(t, "Suspend", "Delete user", "Save user", "Add to a group")
	ro.get("/admin/users/new").wantStatus(t, http.StatusOK)
	ro.post("/admin/users", url.Values{"username": {"mallory"}, "email": {"m@example.com"}}).wantStatus(t, http.StatusForbidden)
	ro.post("/admin/users/"+u.ID, url.Values{"username": {"changed"}, "email": {"kept@example.com"}}).wantStatus(t, http.StatusForbidden)
	ro.post("/admin/users/"+u.ID+"/suspend", nil).wantStatus(t, http.StatusForbidden)
	ro.post("/admin/users/"+u.ID+"/delete", url.Values{"confirm": {"yes"}}).wantStatus(t, http.StatusForbidden)
	ro.post("/admin/users/"+u.ID+"/activation-link", nil).wantStatus(t, http.StatusForbidden)

	got, err := e.dirUser(u.ID)
	if err != nil || got.State != directory.UserActivated || got.Username != "kept" || e.userTotal() != n {
		t.Fatalf("refused posts changed the directory: %+v %v, %d users", got, err, e.userTotal())
	}

	// Unknown ids are 404, on every page and post.
	for _, path := range []string{"/admin/users/nope", "/admin/users/nope/delete"} {
		b.get(path).wantStatus(t, http.StatusNotFound).wantText(t, "not found")
	}
	for _, path := range []string{"/admin/users/nope", "/admin/users/nope/suspend", "/admin/users/nope/activate",
		"/admin/users/nope/activation-link", "/admin/users/nope/delete", "/admin/users/nope/groups/add"} {
		b.post(path, url.Values{"confirm": {"yes"}, "username": {"x"}, "email": {"x@example.com"}, "groupId": {"g"}}).wantStatus(t, http.StatusNotFound)
	}
}

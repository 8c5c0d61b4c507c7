package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
)

// TestUserAndGroupPagesRenderWhole renders every Users and User Groups page,
// with data in each of its parts, and a refused form of each, to its end
// (a template error would cut the page short under a 200 status).
func TestUserAndGroupPagesRenderWhole(t *testing.T) {
	e := newEnv(t)
	u := e.mkUser("rita", "Rita", "Render")
	other := e.mkUser("rob", "Rob", "Render")
	g, g2 := e.mkGroup("Renderers"), e.mkGroup("Others")
	if _, err := e.Service.AddMembers(ctx, directory.SystemActor, g.ID, []string{u.ID}); err != nil {
		t.Fatal(err)
	}
	a, err := e.Service.CreateApp(ctx, directory.SystemActor, lifecycle.NewApp{TemplateID: "quip", Label: "Quip"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.SetGroupApps(ctx, directory.SystemActor, g.ID, []string{a.ID}); err != nil {
		t.Fatal(err)
	}
	b := e.signedIn(directory.RoleAdmin)
	ends := func(p page, status int) {
		t.Helper()
		p.wantStatus(t, status)
		if !strings.HasSuffix(strings.TrimSpace(p.Body), "</html>") {
			t.Fatalf("%s: page cut short:\n%s", p.URL, p.Body)
		}
		if strings.Contains(p.Body, "Something went wrong") {
			t.Fatalf("%s: internal error:\n%s", p.URL, p.Body)
		}
	}
	for _, path := range []string{"/admin/users", "/admin/users?q=r&state=activated", "/admin/users?offset=500", "/admin/users/new",
		"/admin/users/" + u.ID, "/admin/users/" + other.ID + "?gq=o", "/admin/users/" + u.ID + "/delete",
		"/admin/groups", "/admin/groups?q=zz", "/admin/groups/new", "/admin/groups/" + g.ID, "/admin/groups/" + g.ID + "/delete",
		"/admin/groups/" + g.ID + "/users", "/admin/groups/" + g.ID + "/users?find=r", "/admin/groups/" + g2.ID + "/users?find=nobody",
		"/admin/groups/" + g.ID + "/apps", "/admin/groups/" + g2.ID + "/apps"} {
		ends(b.get(path), http.StatusOK)
	}
	ends(b.post("/admin/users/"+u.ID+"/activation-link", url.Values{"mailLink": {"on"}}), http.StatusOK)
	ends(b.post("/admin/users", url.Values{"username": {"x y"}, "state": {"bogus"}, "activationLink": {"on"}}), http.StatusBadRequest)
	ends(b.post("/admin/users/"+u.ID, url.Values{"username": {"rob"}, "email": {"rob@example.com"}}), http.StatusConflict)
	ends(b.post("/admin/users/"+u.ID+"/delete", nil), http.StatusBadRequest)
	ends(b.post("/admin/groups", url.Values{"name": {"others"}}), http.StatusConflict)
	ends(b.post("/admin/groups/"+g.ID, url.Values{"name": {""}}), http.StatusBadRequest)
	ends(b.post("/admin/groups/"+g.ID+"/delete", nil), http.StatusBadRequest)
	ends(b.post("/admin/groups/"+g.ID+"/users/remove", nil), http.StatusBadRequest)
	ends(b.post("/admin/groups/"+g.ID+"/apps", url.Values{"appId": {"gone"}}), http.StatusConflict)
	ends(b.get("/admin/users/nope"), http.StatusNotFound)
}

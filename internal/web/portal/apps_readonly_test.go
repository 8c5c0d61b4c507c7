package portal_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
)

// A read-only admin sees an application's settings with every form
// disabled, and no Add or Delete on the list.
func TestReadOnlyAdminSeesAppFormsDisabled(t *testing.T) {
	e := newEnv(t)
	a, err := e.Service.CreateApp(ctx, directory.Actor{Type: directory.ActorAdmin, ID: "a1"}, lifecycle.NewApp{TemplateID: "quip", Label: "Quip"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.CreateGroup(ctx, directory.Actor{Type: directory.ActorAdmin, ID: "a1"}, directory.Group{Name: "Staff"}); err != nil {
		t.Fatal(err)
	}
	ro := e.signedIn(directory.RoleReadOnly)
	list := ro.get("/admin/apps").wantStatus(t, http.StatusOK).wantText(t, "Quip")
	if strings.Contains(list.Body, "+ Add New Application") || strings.Contains(list.Body, ">Delete</button>") {
		t.Fatal("a read-only admin is offered Add or Delete")
	}
	for _, tab := range []string{"", "/sso", "/groups"} {
		p := ro.get("/admin/apps/"+a.ID+tab).wantStatus(t, http.StatusOK)
		forms := strings.Count(p.Body, `method="post"`) - 1 // the sign-out form
		if disabled := strings.Count(p.Body, `<fieldset class="plain" disabled>`); forms == 0 || disabled != forms {
			t.Fatalf("%s: %d forms, %d disabled", tab, forms, disabled)
		}
	}
	admin := e.signedIn(directory.RoleAdmin)
	if p := admin.get("/admin/apps/" + a.ID + "/sso"); strings.Contains(p.Body, `<fieldset class="plain" disabled>`) {
		t.Fatal("an admin's forms are disabled")
	}
}

package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
)

func TestIdMConfigureBadTokenSavesNothing(t *testing.T) {
	q := newQuipEnv(t)
	tab := "/admin/apps/" + q.app.ID + "/idm"
	q.b.get(tab).wantStatus(t, http.StatusOK).wantText(t, "Configure", "Base URL", "Token Key",
		"Enable management of User Groups and Group Membership in this application",
		"https://{domain}.quip.com/business/admin/scim", "{yourcompany}.quip.com/business/admin/scim").whole(t)

	p := q.b.post(tab+"/activate", url.Values{"baseUrl": {q.base}, "token": {"not-the-token-7Q2"}, "groups": {"on"}})
	p.wantStatus(t, http.StatusConflict).wantText(t, "refused the connection test", "HTTP 401")
	if got := p.fieldError("token"); !strings.Contains(got, "HTTP 401") {
		t.Fatalf("token field error = %q", got)
	}
	p.lacks(t, "not-the-token-7Q2") // never echoed
	if !strings.Contains(p.Body, `value="`+q.base+`"`) {
		t.Error("base URL not kept in the form")
	}
	s, err := q.IdM.Get(ctx, q.app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s.Active || s.HasToken || s.BaseURL != "" {
		t.Fatalf("a refused activation saved settings: %+v", s)
	}
	// The refused attempt is in Directory Insights.
	q.b.get("/admin/insights?event_type=idm_integration_activate").wantStatus(t, http.StatusOK).
		wantText(t, "1 event matches", "failure", "HTTP 401", "admin-admin@example.com")

	// A base URL that answers nothing is the base URL's fault.
	p = q.b.post(tab+"/activate", url.Values{"baseUrl": {"http://127.0.0.1:1/scim"}, "token": {q.token}})
	p.wantStatus(t, http.StatusConflict)
	if p.fieldError("baseUrl") == "" || p.fieldError("token") != "" {
		t.Fatalf("unreachable base URL: baseUrl error %q, token error %q", p.fieldError("baseUrl"), p.fieldError("token"))
	}
	// Malformed input: 400, both fields named, nothing saved.
	p = q.b.post(tab+"/activate", url.Values{"baseUrl": {"ftp://x"}, "token": {""}})
	p.wantStatus(t, http.StatusBadRequest)
	if p.fieldError("baseUrl") == "" || p.fieldError("token") == "" {
		t.Fatalf("malformed form: errors %q / %q", p.fieldError("baseUrl"), p.fieldError("token"))
	}
	if s, _ := q.IdM.Get(ctx, q.app.ID); s.HasToken || s.Active || s.BaseURL != "" {
		t.Fatalf("saved: %+v", s)
	}
}

func TestIdMActivateStatusPlanSyncDeactivate(t *testing.T) {
	q := newQuipEnv(t)
	tab := "/admin/apps/" + q.app.ID + "/idm"
	q.b.get(tab)
	p := q.b.post(tab+"/activate", url.Values{"baseUrl": {q.base}, "token": {q.token}})
	p.wantStatus(t, http.StatusOK).wantText(t, "Identity management is active", "Queue depth", "Dry run", "manual import").whole(t)
	p.lacks(t, q.token)
	if p.URL.Path != tab {
		t.Fatalf("after activation at %s", p.URL)
	}
	s, err := q.IdM.Get(ctx, q.app.ID)
	if err != nil || !s.Active || !s.HasToken || s.BaseURL != q.base || s.GroupsEnabled {
		t.Fatalf("settings after activation = %+v, %v (groups unchecked)", s, err)
	}

	// A bound user waits in the queue; the dry run plans to create them.
	ada := q.boundUser("ada")
	if !strings.Contains(p.Body, `id="queue-depth">0 pending`) {
		t.Fatalf("queue depth not shown as 0:\n%s", p.Body)
	}
	p = q.b.get(tab).wantStatus(t, http.StatusOK)
	if !strings.Contains(p.Body, `id="queue-depth">2 pending`) { // the user and their group
		t.Fatalf("queue depth not shown as 2:\n%s", p.Body)
	}
	plan := q.b.get(tab+"/plan").wantStatus(t, http.StatusOK).wantText(t, "Nothing has been sent", "create", ada.ID).whole(t)
	if !strings.Contains(plan.Body, "ada") {
		t.Fatalf("plan lacks the user:\n%s", plan.Body)
	}
	if u, _ := q.quip.FindUserByEmail(ctx, ada.Email); u != nil {
		t.Fatal("the dry run created the user")
	}

	// The picker finds the user; Sync now creates them in Quip.
	p = q.b.get(tab+"?user_q=ada%40acme").wantStatus(t, http.StatusOK).wantText(t, "ada@acme.test", "Sync now").whole(t)
	p = q.b.post(tab+"/sync", url.Values{"userId": {ada.ID}, "user_q": {"ada@acme"}})
	p.wantStatus(t, http.StatusOK).wantText(t, "Synced ada@acme.test with Quip.")
	if u, err := q.quip.FindUserByEmail(ctx, ada.Email); err != nil || u == nil {
		t.Fatalf("user not in Quip after Sync now: %v", err)
	}
	q.b.get(tab+"/plan").wantStatus(t, http.StatusOK).wantText(t, "Nothing to do")
	q.b.get(tab).wantText(t, "user_create_provision", "success")
	q.b.post(tab+"/sync", url.Values{"userId": {"no-such-user"}}).wantStatus(t, http.StatusNotFound)

	// The groups switch; a base URL change while active is refused next to the field.
	q.b.post(tab+"/settings", url.Values{"groups": {"on"}}).wantStatus(t, http.StatusOK).wantText(t, "Settings saved")
	if s, _ := q.IdM.Get(ctx, q.app.ID); !s.GroupsEnabled {
		t.Fatal("groups switch not saved")
	}
	p = q.b.post(tab+"/settings", url.Values{"groups": {"on"}, "baseUrl": {"https://other.example/scim"}})
	p.wantStatus(t, http.StatusConflict).wantText(t, "deactivate the integration before changing its base URL")
	// Quip's token cannot be replaced while active.
	q.b.post(tab+"/token", url.Values{"token": {"fresh-token"}}).wantStatus(t, http.StatusConflict).wantText(t, "only be changed while the integration is deactivated")

	// Deactivate: a confirmation step; without the confirmation nothing changes.
	q.b.get(tab+"/deactivate").wantStatus(t, http.StatusOK).wantText(t, "Deactivate the IdM connection of Quip?", "confirm").whole(t)
	q.b.post(tab+"/deactivate", url.Values{}).wantStatus(t, http.StatusBadRequest)
	if s, _ := q.IdM.Get(ctx, q.app.ID); !s.Active {
		t.Fatal("deactivated without confirmation")
	}
	p = q.b.post(tab+"/deactivate", url.Values{"confirm": {"yes"}})
	p.wantStatus(t, http.StatusOK).wantText(t, "is deactivated", "Configure", "A token is stored").whole(t)
	if s, _ := q.IdM.Get(ctx, q.app.ID); s.Active || !s.HasToken {
		t.Fatalf("after deactivation: %+v", s)
	}
	q.b.get(tab+"/plan").wantStatus(t, http.StatusConflict)
	q.b.get("/admin/apps/"+q.app.ID+"/import").wantStatus(t, http.StatusConflict).wantText(t, "not active")

	// Reactivate with the stored token kept.
	q.b.post(tab+"/activate", url.Values{"baseUrl": {q.base}, "groups": {"on"}}).wantStatus(t, http.StatusOK).wantText(t, "Identity management is active")
	if s, _ := q.IdM.Get(ctx, q.app.ID); !s.Active || !s.GroupsEnabled {
		t.Fatalf("after reactivation: %+v", s)
	}
}

func TestIdMReadOnlyAndUnknown(t *testing.T) {
	q := newQuipEnv(t)
	ro := q.signedIn(directory.RoleReadOnly)
	tab := "/admin/apps/" + q.app.ID + "/idm"
	ro.get(tab).wantStatus(t, http.StatusOK).wantText(t, "may only look").lacks(t, `action="`+tab+`/activate"`)
	ro.post(tab+"/activate", url.Values{"baseUrl": {q.base}, "token": {q.token}}).wantStatus(t, http.StatusForbidden)
	if s, _ := q.IdM.Get(ctx, q.app.ID); s.HasToken {
		t.Fatal("read-only admin saved a token")
	}
	q.b.get("/admin/apps/nope/idm").wantStatus(t, http.StatusNotFound)
	q.b.get(tab+"/plan").wantStatus(t, http.StatusConflict)

	bm, err := q.Service.CreateApp(ctx, system, lifecycleBookmark())
	if err != nil {
		t.Fatal(err)
	}
	q.b.get("/admin/apps/"+bm.ID+"/idm").wantStatus(t, http.StatusOK).wantText(t, "has no identity management").whole(t)
	q.b.post("/admin/apps/"+bm.ID+"/idm/activate", url.Values{"baseUrl": {q.base}, "token": {"x"}}).wantStatus(t, http.StatusBadRequest)
}

func lifecycleBookmark() lifecycle.NewApp {
	return lifecycle.NewApp{TemplateID: "bookmark", Label: "Wiki", BookmarkURL: "https://wiki.example/login"}
}

func TestIdMSyncFailureShowsErrorAndRetry(t *testing.T) {
	q := newQuipEnv(t)
	q.activate()
	ada := q.boundUser("ada")
	tab := "/admin/apps/" + q.app.ID + "/idm"
	q.b.get(tab)
	if err := q.sim.SetFaults(quipsim.Faults{ErrorRate: 1}); err != nil {
		t.Fatal(err)
	}
	p := q.b.post(tab+"/sync", url.Values{"userId": {ada.ID}})
	p.wantStatus(t, http.StatusOK).wantText(t, "Quip refused the sync of ada@acme.test", "HTTP 50", "</html>")
	if !strings.Contains(p.Body, `, 1 failing</dd>`) || strings.Contains(p.Body, `id="last-error">—`) {
		t.Fatalf("status lacks the failure:\n%s", p.Body)
	}
	// The import list cannot read Quip either: 503 with Quip's answer, no table.
	q.b.get("/admin/apps/"+q.app.ID+"/import").wantStatus(t, http.StatusServiceUnavailable).lacks(t, `name="ids"`)

	// Retry once Quip answers again.
	if err := q.sim.SetFaults(quipsim.Faults{}); err != nil {
		t.Fatal(err)
	}
	q.b.post(tab+"/sync", url.Values{"userId": {ada.ID}}).wantStatus(t, http.StatusOK).wantText(t, "Synced ada@acme.test with Quip.")
	if u, err := q.quip.FindUserByEmail(ctx, ada.Email); err != nil || u == nil {
		t.Fatalf("user not in Quip after the retry: %v", err)
	}
}

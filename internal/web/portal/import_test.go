package portal_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// directoryUsers is how many users the directory holds.
func (q *quipEnv) directoryUsers() int {
	q.t.Helper()
	var n int
	err := q.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		_, n, err = tx.ListUsers(ctx, directory.UserFilter{Limit: 1})
		return err
	})
	if err != nil {
		q.t.Fatal(err)
	}
	return n
}

var candidateRE = regexp.MustCompile(`name="ids" value="([^"]+)"`)

func TestImportSmall(t *testing.T) {
	q := newQuipEnv(t)
	imp := "/admin/apps/" + q.app.ID + "/import"
	q.b.get(imp).wantStatus(t, http.StatusConflict).wantText(t, "not active")
	q.activate()
	ids := q.seedQuip(0, 3)
	// A Quip user already in the directory is Imported.
	if _, err := q.Service.CreateUser(ctx, system, directory.User{Username: "quip0002", Email: "quip0002@acme.test", State: directory.UserActivated}); err != nil {
		t.Fatal(err)
	}
	q.b.get("/admin/apps/"+q.app.ID+"/idm").wantText(t, "manual import")
	p := q.b.get(imp).wantStatus(t, http.StatusOK).wantText(t, "3 users listed: 2 New, 1 Imported", "quip0000@acme.test", "quip0002@acme.test").whole(t)
	if n := p.count(`<span class="badge new">New</span>`); n != 3 { // two rows and the explanation
		t.Errorf("New badges = %d", n)
	}
	if !strings.Contains(p.Body, `data-select-all="ids"`) {
		t.Error("no select-all checkbox")
	}

	// New users only; New users first.
	p = q.b.get(imp+"?show=new_only").wantStatus(t, http.StatusOK).wantText(t, "2 users listed: 2 New, 0 Imported")
	p.lacks(t, "quip0002@acme.test")
	p = q.b.get(imp+"?show=new_first").wantStatus(t, http.StatusOK)
	if got := candidateRE.FindAllStringSubmatch(p.Body, -1); len(got) != 3 || got[2][1] != ids[2] {
		t.Errorf("new first: order %v, want %s last", got, ids[2])
	}
	q.b.get(imp+"?show=bogus").wantStatus(t, http.StatusBadRequest)

	// Nothing selected: 400, nothing created.
	before := q.directoryUsers()
	q.b.post(imp, url.Values{}).wantStatus(t, http.StatusBadRequest).wantText(t, "select at least one user")
	q.b.post(imp, url.Values{"ids": {"no-such-id"}}).wantStatus(t, http.StatusBadRequest).wantText(t, "unknown user ids")
	if q.directoryUsers() != before {
		t.Fatal("a refused import created users")
	}

	// Import two: results at once, with the warning about bound groups.
	p = q.b.post(imp, url.Values{"ids": {ids[0], ids[1]}})
	p.wantStatus(t, http.StatusOK).wantText(t, "Import finished: 2 created, 0 already in Jumpgate", "quip0000@acme.test", "quip0001@acme.test",
		"2 imported users are in no user group bound to Quip", "must be members of a user group bound to an application").whole(t)
	if !strings.Contains(p.Body, "/activate?token=") {
		t.Error("no activation links in the results")
	}
	for _, email := range []string{"quip0000@acme.test", "quip0001@acme.test"} {
		err := q.Store.View(ctx, func(tx directory.Tx) error {
			u, err := tx.GetUserByEmail(ctx, email)
			if err == nil && u.LastName == "" {
				t.Errorf("%s imported without a last name", email)
			}
			return err
		})
		if err != nil {
			t.Fatalf("%s not in the directory: %v", email, err)
		}
	}
	if q.directoryUsers() != before+2 {
		t.Fatalf("users %d, want %d", q.directoryUsers(), before+2)
	}
	// Again: nobody is created twice.
	q.b.post(imp, url.Values{"ids": {ids[0], ids[1]}}).wantStatus(t, http.StatusOK).wantText(t, "Import finished: 0 created, 2 already in Jumpgate")
	if q.directoryUsers() != before+2 {
		t.Fatal("a second import created users again")
	}
	q.b.get(imp).wantText(t, "3 users listed: 0 New, 3 Imported")

	// Read-only admins may look, not import.
	ro := q.signedIn(directory.RoleReadOnly)
	ro.get(imp).wantStatus(t, http.StatusOK).lacks(t, `name="ids"`)
	ro.post(imp, url.Values{"ids": {ids[2]}}).wantStatus(t, http.StatusForbidden)
}

func TestImportJob(t *testing.T) {
	q := newQuipEnv(t)
	q.activate()
	q.seedQuip(0, 105)
	imp := "/admin/apps/" + q.app.ID + "/import"
	q.b.get(imp).wantText(t, "105 users listed: 105 New", "Import all 105 New users")
	p := q.b.post(imp, url.Values{"all_new": {"1"}})
	p.wantStatus(t, http.StatusOK).wantText(t, "runs in the background", "Progress: 0 of 105 users", "running").whole(t)
	if !strings.Contains(p.URL.Path, "/import/jobs/") {
		t.Fatalf("not redirected to the job page: %s", p.URL)
	}
	if !strings.Contains(p.Body, `<meta http-equiv="refresh" content="2">`) || !strings.Contains(p.Body, `<progress id="progress" max="105" value="0">`) {
		t.Fatalf("running job page lacks refresh or progress:\n%s", p.Body)
	}
	if q.directoryUsers() != 0 {
		t.Fatal("a background import created users before it ran")
	}
	jobPath := p.URL.Path

	if err := q.importer.RunPending(ctx); err != nil {
		t.Fatal(err)
	}
	p = q.b.get(jobPath).wantStatus(t, http.StatusOK).wantText(t, "Progress: 105 of 105 users (100%)", "complete",
		"105 imported users are in no user group bound to Quip").whole(t)
	p.lacks(t, `http-equiv="refresh"`)
	if !strings.Contains(p.Body, `id="failures">0<`) || !strings.Contains(p.Body, `id="created">105<`) {
		t.Fatalf("job counts wrong:\n%s", p.Body)
	}
	if q.directoryUsers() != 105 {
		t.Fatalf("users = %d", q.directoryUsers())
	}
	// The end-of-job message went to the outbox.
	q.b.get("/admin/outbox").wantStatus(t, http.StatusOK).wantText(t, "admin-admin@example.com", "Jumpgate: import from Quip complete", "Created: 105").whole(t)

	// A job of another app, or no job: 404.
	other, err := q.Service.CreateApp(ctx, system, lifecycleBookmark())
	if err != nil {
		t.Fatal(err)
	}
	q.b.get(strings.Replace(jobPath, q.app.ID, other.ID, 1)).wantStatus(t, http.StatusNotFound)
	q.b.get(imp+"/jobs/nope").wantStatus(t, http.StatusNotFound)
}

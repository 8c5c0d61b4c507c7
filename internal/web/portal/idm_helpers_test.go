package portal_test

import (
	"fmt"
	"html"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/connector/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/connector/quip"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/importer"
	"github.com/jumpgate-idp/jumpgate/internal/insights/provisionsink"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim/quipsimtest"
)

// quipEnv is a portal env with a Quip app, a quipsim company behind an
// httptest server, and an importer wired into the portal.
type quipEnv struct {
	*env
	sim      *quipsim.Server
	token    string
	base     string // the SCIM base URL to paste
	app      *directory.App
	quip     *quip.Connector
	importer *importer.Importer
	b        *browser
}

// system is the actor of test set-up changes.
var system = directory.Actor{Type: directory.ActorSystem, ID: "test"}

func newQuipEnv(t *testing.T) *quipEnv {
	t.Helper()
	e := newEnv(t)
	acme := quipsimtest.Start(t, nil)
	sim, tok := acme.Sim, acme.Token
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	base := srv.URL + "/business/admin/scim"
	qc, err := quip.New(connector.Config{Kind: quip.Kind, BaseURL: base, Token: tok, GroupsEnabled: true})
	if err != nil {
		t.Fatal(err)
	}
	app, err := e.Service.CreateApp(ctx, system, lifecycle.NewApp{TemplateID: "quip", Label: "Quip"})
	if err != nil {
		t.Fatal(err)
	}
	im := &importer.Importer{Store: e.Store, Lifecycle: e.Service, Auth: e.Users, Insights: e.Insights, Sealer: e.Sealer,
		Registry: catalog.DefaultRegistry(), BaseURL: e.URL, Mailer: e.Outbox}
	e.Handler.Importer = im
	// Provisioning events go to Directory Insights, as in production.
	sink := provisionsink.Sink{Store: e.Insights}
	e.IdM.Events, e.Engine.Events = sink, sink
	return &quipEnv{env: e, sim: sim, token: tok, base: base, app: app, quip: qc, importer: im, b: e.signedIn(directory.RoleAdmin)}
}

// activate configures and activates the app's identity management directly.
func (q *quipEnv) activate() {
	q.t.Helper()
	if _, err := q.IdM.Configure(ctx, "admin:test", q.app.ID, provision.SettingsUpdate{BaseURL: &q.base, Token: &q.token}); err != nil {
		q.t.Fatal(err)
	}
	if _, err := q.IdM.Activate(ctx, "admin:test", q.app.ID); err != nil {
		q.t.Fatal(err)
	}
}

// seedQuip creates users n0..n0+n-1 in Quip only; it returns their Quip ids.
func (q *quipEnv) seedQuip(n0, n int) []string {
	q.t.Helper()
	var ids []string
	for i := n0; i < n0+n; i++ {
		ru, err := q.quip.CreateUser(ctx, connector.User{Email: fmt.Sprintf("quip%04d@acme.test", i), GivenName: "Quip",
			FamilyName: fmt.Sprintf("User%d", i), DisplayName: fmt.Sprintf("Quip User %d", i), Active: true})
		if err != nil {
			q.t.Fatal(err)
		}
		ids = append(ids, ru.ID)
	}
	return ids
}

// boundUser creates an activated directory user in a group bound to the app.
func (q *quipEnv) boundUser(name string) *directory.User {
	q.t.Helper()
	u, err := q.Service.CreateUser(ctx, system, directory.User{Username: name, Email: name + "@acme.test", FirstName: "F" + name,
		LastName: "L" + name, State: directory.UserActivated})
	if err != nil {
		q.t.Fatal(err)
	}
	g, err := q.Service.CreateGroup(ctx, system, directory.Group{Name: "group-" + name})
	if err != nil {
		q.t.Fatal(err)
	}
	if _, err := q.Service.AddMembers(ctx, system, g.ID, []string{u.ID}); err != nil {
		q.t.Fatal(err)
	}
	if _, err := q.Service.BindGroups(ctx, system, q.app.ID, []string{g.ID}); err != nil {
		q.t.Fatal(err)
	}
	return u
}

// count returns how many times s occurs in the page's text.
func (p page) count(s string) int { return strings.Count(html.UnescapeString(p.Body), s) }

// lacks fails the test when the page's text holds any s.
func (p page) lacks(t *testing.T, ss ...string) page {
	t.Helper()
	for _, s := range ss {
		if strings.Contains(html.UnescapeString(p.Body), s) {
			t.Fatalf("%s: page holds %q; body:\n%s", p.URL, s, p.Body)
		}
	}
	return p
}

var fieldErrRE = regexp.MustCompile(`<span class="field-error" role="alert">([^<]*)</span>`)

// fieldError returns the error shown after the input with id (before the
// next label), "" when none.
func (p page) fieldError(id string) string {
	i := strings.Index(p.Body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	rest := p.Body[i:]
	if j := strings.Index(rest, "<label"); j >= 0 {
		rest = rest[:j]
	}
	if m := fieldErrRE.FindStringSubmatch(rest); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// adminID is the id of the signed-in test admin.
func (q *quipEnv) adminID() string {
	q.t.Helper()
	var id string
	err := q.Store.View(ctx, func(tx directory.Tx) error {
		a, err := tx.GetAdminByEmail(ctx, "admin-admin@example.com")
		if err == nil {
			id = a.ID
		}
		return err
	})
	if err != nil {
		q.t.Fatal(err)
	}
	return id
}

// whole fails the test unless the page was rendered to its end (a template
// error stops rendering after the status is sent).
func (p page) whole(t *testing.T) page {
	t.Helper()
	if !strings.HasSuffix(strings.TrimSpace(p.Body), "</html>") {
		t.Fatalf("%s: page cut short:\n%s", p.URL, p.Body)
	}
	return p
}

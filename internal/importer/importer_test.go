package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/connector/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/connector/quip"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/importer"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim/quipsimtest"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore/sqltest"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

type mailbox struct {
	mu   sync.Mutex
	msgs []string
}

func (m *mailbox) Send(_ context.Context, to, subject, body string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, to+"\n"+subject+"\n"+body)
	return nil
}

type env struct {
	t     *testing.T
	ctx   context.Context
	store *sqlstore.Store
	svc   *lifecycle.Service
	mgr   *provision.Manager
	im    *importer.Importer
	sim   *quipsim.Server
	srv   *httptest.Server
	token string
	appID string
	quip  *quip.Connector
	admin directory.Actor
	ins   *insights.Store
	mail  *mailbox
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvDSN(t, "sqlite:"+filepath.Join(t.TempDir(), "jg.db"))
}

func newEnvDSN(t *testing.T, dsn string) *env {
	t.Helper()
	ctx := context.Background()
	acme := quipsimtest.Start(t, nil)
	sim, tok := acme.Sim, acme.Token
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	sealer, err := secrets.New(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ins := insights.New(st)
	svc := &lifecycle.Service{Store: st, Sealer: sealer, BaseURL: "https://idp.test", Effects: []lifecycle.Effect{ins.Effect}}
	mgr := &provision.Manager{Store: st, Sealer: sealer, Registry: catalog.DefaultRegistry(), HTTPClient: srv.Client()}
	mb := &mailbox{}
	im := &importer.Importer{Store: st, Lifecycle: svc, Auth: &userauth.Service{Store: st, Sealer: sealer, Logger: slog.New(slog.DiscardHandler)}, Insights: ins,
		Sealer: sealer, Registry: catalog.DefaultRegistry(), HTTPClient: srv.Client(), BaseURL: "https://idp.test", Mailer: mb}
	qc, err := quip.New(connector.Config{Kind: quip.Kind, BaseURL: srv.URL + "/business/admin/scim", Token: tok, GroupsEnabled: true})
	if err != nil {
		t.Fatal(err)
	}
	adm, err := svc.CreateAdmin(ctx, lifecycle.NewAdmin{Email: "boss@acme.test", Role: directory.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	admin := directory.Actor{Type: directory.ActorAdmin, ID: adm.ID, Email: adm.Email}
	app, err := svc.CreateApp(ctx, admin, lifecycle.NewApp{TemplateID: "quip", Label: "Quip"})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, store: st, svc: svc, mgr: mgr, im: im, sim: sim, srv: srv, token: tok, appID: app.ID, quip: qc,
		admin: admin, ins: ins, mail: mb}
}

func (e *env) activate() {
	e.t.Helper()
	base := e.srv.URL + "/business/admin/scim"
	if _, err := e.mgr.Configure(e.ctx, "admin:a1", e.appID, provision.SettingsUpdate{BaseURL: &base, Token: &e.token}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.mgr.Activate(e.ctx, "admin:a1", e.appID); err != nil {
		e.t.Fatal(err)
	}
}

// seed creates n users in the app; returns their app-side ids.
func (e *env) seed(from, n int) []string {
	e.t.Helper()
	ids := make([]string, 0, n)
	for i := from; i < from+n; i++ {
		ru, err := e.quip.CreateUser(e.ctx, connector.User{UserName: fmt.Sprintf("u%05d@acme.test", i), Email: fmt.Sprintf("U%05d@acme.test", i),
			GivenName: "Given", FamilyName: fmt.Sprintf("Family%d", i), DisplayName: fmt.Sprintf("User %d", i),
			EmployeeID: fmt.Sprintf("E%d", i), Active: true})
		if err != nil {
			e.t.Fatal(err)
		}
		ids = append(ids, ru.ID)
	}
	return ids
}

// seedMany creates n users in the app with several requests at once (the
// app commits concurrent writes together), so their order in the app is
// not their index order.
func (e *env) seedMany(n int) {
	e.t.Helper()
	const workers = 8
	errs := make(chan error, workers)
	next := make(chan int)
	for range workers {
		go func() {
			var err error
			for i := range next {
				if err == nil {
					_, err = e.quip.CreateUser(e.ctx, connector.User{UserName: fmt.Sprintf("u%05d@acme.test", i), Email: fmt.Sprintf("U%05d@acme.test", i),
						GivenName: "Given", FamilyName: fmt.Sprintf("Family%d", i), DisplayName: fmt.Sprintf("User %d", i),
						EmployeeID: fmt.Sprintf("E%d", i), Active: true})
				}
			}
			errs <- err
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	for range workers {
		if err := <-errs; err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *env) countUsers() int {
	e.t.Helper()
	n := 0
	err := e.store.ViewTx(e.ctx, func(tx *sqlstore.Tx) error {
		return tx.QueryRow(e.ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) user(id string) *directory.User {
	e.t.Helper()
	var u *directory.User
	err := e.store.ViewTx(e.ctx, func(tx *sqlstore.Tx) error {
		var err error
		u, err = tx.GetUser(e.ctx, id)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func statuses(cs []importer.Candidate) map[string]int {
	out := map[string]int{}
	for _, c := range cs {
		out[c.Status]++
	}
	return out
}

func TestSyncImport(t *testing.T) { syncImport(t, newEnv(t)) }

func TestSyncImportPostgres(t *testing.T) { syncImport(t, newEnvDSN(t, sqltest.PostgresDSN(t))) }

func syncImport(t *testing.T, e *env) {
	e.seed(0, 50)
	if _, err := e.im.ListUsers(e.ctx, e.appID, importer.ListOptions{}); directory.ErrorCode(err) != directory.EPRECONDITION {
		t.Fatalf("inactive app: %v", err)
	}
	if _, err := e.im.Import(e.ctx, e.admin, e.appID, importer.Selection{All: true}); directory.ErrorCode(err) != directory.EPRECONDITION {
		t.Fatalf("inactive import: %v", err)
	}
	e.activate()
	// One directory user exists already with a differently-cased email.
	pre, err := e.svc.CreateUser(e.ctx, e.admin, directory.User{Username: "pre", Email: "u00003@ACME.test", FirstName: "Keep"})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := e.im.ListUsers(e.ctx, e.appID, importer.ListOptions{NewFirst: true})
	if err != nil {
		t.Fatal(err)
	}
	st := statuses(cs)
	if len(cs) != 50 || st[importer.StatusNew] != 49 || st[importer.StatusImported] != 1 || cs[49].Status != importer.StatusImported {
		t.Fatalf("before: %d users %v, last %+v", len(cs), st, cs[49])
	}
	if _, err := e.im.Import(e.ctx, e.admin, e.appID, importer.Selection{IDs: []string{cs[0].ID, "nope-1"}}); directory.ErrorCode(err) != directory.EINVALID ||
		!strings.Contains(err.Error(), "nope-1") {
		t.Fatalf("unknown ids: %v", err)
	}
	if e.countUsers() != 1 {
		t.Fatal("unknown ids imported something")
	}
	res, err := e.im.Import(e.ctx, e.admin, e.appID, importer.Selection{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 49 || res.Skipped != 1 || res.Failed != 0 || len(res.Users) != 50 || res.Job != nil {
		t.Fatalf("result: %+v", res)
	}
	for _, u := range res.Users {
		if u.Outcome == importer.OutcomeCreated && (u.ActivationURL == "" || u.Managed == nil || *u.Managed || u.Warning != importer.UnmanagedWarning) {
			t.Fatalf("created user result: %+v", u)
		}
	}
	got := e.user(res.Users[0].UserID)
	if got.State != directory.UserActivated || got.Email != "u00000@acme.test" || got.Username == "" ||
		got.FirstName != "Given" || got.LastName != "Family0" || got.EmployeeID != "E0" {
		t.Fatalf("mapped user: %+v", got)
	}
	if kept := e.user(pre.ID); kept.FirstName != "Keep" || kept.EmployeeID != "" {
		t.Fatalf("existing user changed: %+v", kept)
	}
	cs, err = e.im.ListUsers(e.ctx, e.appID, importer.ListOptions{OnlyNew: true})
	if err != nil || len(cs) != 0 {
		t.Fatalf("after, new: %d %v", len(cs), err)
	}
	again, err := e.im.Import(e.ctx, e.admin, e.appID, importer.Selection{All: true})
	if err != nil || again.Created != 0 || again.Skipped != 50 || e.countUsers() != 50 {
		t.Fatalf("re-run: %+v %v users %d", again, err, e.countUsers())
	}
	page, err := e.ins.Query(e.ctx, insights.Query{Service: insights.ServiceImport, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range page.Events {
		if ev.Application == nil || ev.Application.ID != e.appID || ev.InitiatedBy.ID != e.admin.ID {
			t.Fatalf("import event: %+v", ev)
		}
		n++
	}
	if n != 4 {
		t.Fatalf("import events: %d", n)
	}
	creates, err := e.ins.Query(e.ctx, insights.Query{EventTypes: []insights.EventType{insights.UserCreate}, Limit: 100})
	if err != nil || len(creates.Events) != 50 || creates.Events[0].InitiatedBy.ID != e.admin.ID {
		t.Fatalf("user_create events: %d %v", len(creates.Events), err)
	}
	for _, ev := range creates.Events {
		if ev.Resource != nil && ev.Resource.Name == "pre" {
			continue // made by the test before the import
		}
		if ev.Application == nil || ev.Application.ID != e.appID || ev.Application.DisplayLabel == "" {
			t.Fatalf("an imported user's creation event does not name the app: %+v", ev)
		}
	}
}

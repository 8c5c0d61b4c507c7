package provision_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/connector/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/connector/quip"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim/quipsimtest"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

var admin = directory.Actor{Type: directory.ActorAdmin, ID: "a1"}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type sink struct {
	mu  sync.Mutex
	evs []provision.Event
}

func (s *sink) Record(_ context.Context, ev provision.Event) error {
	s.mu.Lock()
	s.evs = append(s.evs, ev)
	s.mu.Unlock()
	return nil
}

func (s *sink) names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, e := range s.evs {
		out = append(out, e.Name)
	}
	return out
}

func (s *sink) count(name string) int {
	n := 0
	for _, x := range s.names() {
		if x == name {
			n++
		}
	}
	return n
}

type env struct {
	t      testing.TB
	ctx    context.Context
	dsn    string
	store  *sqlstore.Store
	svc    *lifecycle.Service
	mgr    *provision.Manager
	eng    *provision.Engine
	clk    *clock
	events *sink
	sim    *quipsim.Server
	srv    *httptest.Server
	token  string
	appID  string
	quip   *quip.Connector // direct view of the app
	sealer *secrets.Sealer
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvDSN(t, "sqlite:"+filepath.Join(t.TempDir(), "jg.db"))
}

func newEnvDSN(t testing.TB, dsn string) *env { return newEnvWith(t, dsn, nil) }

// newEnvWith builds an env; mod may change quipsim's configuration (its
// clock is the env's).
func newEnvWith(t testing.TB, dsn string, mod func(*quipsim.Config)) *env {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	acme := quipsimtest.Start(t, func(c *quipsim.Config) {
		if mod != nil {
			c.Now = clk.Now
			mod(c)
		}
	})
	sim, tok := acme.Sim, acme.Token
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	sealer, err := secrets.New(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: ctx, dsn: dsn, clk: clk,
		events: &sink{}, sim: sim, srv: srv, token: tok, sealer: sealer}
	e.open()
	qc, err := quip.New(connector.Config{Kind: quip.Kind, BaseURL: srv.URL + "/business/admin/scim", Token: tok, GroupsEnabled: true})
	if err != nil {
		t.Fatal(err)
	}
	e.quip = qc
	app, err := e.svc.CreateApp(ctx, admin, lifecycle.NewApp{TemplateID: "quip", Label: "Quip"})
	if err != nil {
		t.Fatal(err)
	}
	e.appID = app.ID
	return e
}

// open (re)opens the database and builds service, manager and engine.
func (e *env) open() {
	st, err := sqlstore.Open(e.ctx, e.dsn)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	e.store = st
	mk := &provision.Marker{Now: e.clk.Now}
	e.svc = &lifecycle.Service{Store: st, Sealer: e.sealer, BaseURL: "https://idp.test", Effects: []lifecycle.Effect{mk.Effect}}
	e.mgr = &provision.Manager{Store: st, Sealer: e.sealer, Registry: catalog.DefaultRegistry(), Events: e.events, Now: e.clk.Now,
		HTTPClient: e.srv.Client()}
	e.eng = &provision.Engine{Store: st, Manager: e.mgr, Events: e.events, Now: e.clk.Now, Rand: rand.New(rand.NewPCG(1, 2)),
		Sleep: func(ctx context.Context, d time.Duration) error { return nil }}
}

func (e *env) activate() {
	e.t.Helper()
	base, tok := e.srv.URL+"/business/admin/scim", e.token
	if _, err := e.mgr.Configure(e.ctx, "admin:a1", e.appID, provision.SettingsUpdate{BaseURL: &base, Token: &tok}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.mgr.Activate(e.ctx, "admin:a1", e.appID); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) drain() {
	e.t.Helper()
	if err := e.eng.Drain(e.ctx); err != nil {
		e.t.Fatal(err)
	}
}

// drainTogether drains with e.eng and others at once (replicas sharing
// the database).
func (e *env) drainTogether(others ...*provision.Engine) {
	e.t.Helper()
	var wg sync.WaitGroup
	for _, eng := range append([]*provision.Engine{e.eng}, others...) {
		wg.Go(func() {
			if err := eng.Drain(e.ctx); err != nil {
				e.t.Error(err)
			}
		})
	}
	wg.Wait()
}

// converge drains, moving the clock past backoffs, until the queue is empty.
func (e *env) converge() {
	e.t.Helper()
	for i := 0; i < 200; i++ {
		e.drain()
		st, err := provision.QueueStatus(e.ctx, e.store, e.appID, e.clk.Now())
		if err != nil {
			e.t.Fatal(err)
		}
		if st.QueueDepth == 0 {
			return
		}
		e.clk.Add(2 * time.Hour)
	}
	e.t.Fatal("queue never emptied")
}

func (e *env) user(name string, state directory.UserState) *directory.User {
	e.t.Helper()
	u, err := e.svc.CreateUser(e.ctx, admin, directory.User{Username: name, Email: name + "@acme.test", FirstName: "F" + name,
		LastName: "L" + name, State: state})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) group(name string, members ...*directory.User) *directory.Group {
	e.t.Helper()
	g, err := e.svc.CreateGroup(e.ctx, admin, directory.Group{Name: name})
	if err != nil {
		e.t.Fatal(err)
	}
	e.add(g, members...)
	return g
}

func (e *env) add(g *directory.Group, members ...*directory.User) {
	e.t.Helper()
	if len(members) == 0 {
		return
	}
	var ids []string
	for _, m := range members {
		ids = append(ids, m.ID)
	}
	if _, err := e.svc.AddMembers(e.ctx, admin, g.ID, ids); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) bind(gs ...*directory.Group) {
	e.t.Helper()
	var ids []string
	for _, g := range gs {
		ids = append(ids, g.ID)
	}
	if _, err := e.svc.BindGroups(e.ctx, admin, e.appID, ids); err != nil {
		e.t.Fatal(err)
	}
}

// remoteUsers returns the app's users by email.
func (e *env) remoteUsers() map[string]connector.RemoteUser {
	e.t.Helper()
	out := map[string]connector.RemoteUser{}
	if err := e.quip.ListUsers(e.ctx, func(u connector.RemoteUser) error {
		if _, dup := out[u.Email]; dup {
			e.t.Errorf("duplicate user %s in the app", u.Email)
		}
		out[u.Email] = u
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// remoteGroups returns the app's groups by name, members as emails.
func (e *env) remoteGroups() map[string][]string {
	e.t.Helper()
	byID := map[string]string{}
	for _, u := range e.remoteUsers() {
		byID[u.ID] = u.Email
	}
	out := map[string][]string{}
	if err := e.quip.ListGroups(e.ctx, func(g connector.RemoteGroup) error {
		if _, dup := out[g.DisplayName]; dup {
			e.t.Errorf("duplicate group %s in the app", g.DisplayName)
		}
		var ms []string
		for _, m := range g.MemberIDs {
			ms = append(ms, byID[m])
		}
		out[g.DisplayName] = sortStrings(ms)
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	return out
}

type sqlstoreTx = sqlstore.Tx

func mustCompany(e *env) string {
	e.t.Helper()
	co, err := e.sim.Company(e.ctx, "acme")
	if err != nil {
		e.t.Fatal(err)
	}
	return co.ID
}

// remoteUsersWith lists the app's users with another token.
func (e *env) remoteUsersWith(tok string) map[string]connector.RemoteUser {
	e.t.Helper()
	qc, err := quip.New(connector.Config{Kind: quip.Kind, BaseURL: e.srv.URL + "/business/admin/scim", Token: tok, GroupsEnabled: true})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]connector.RemoteUser{}
	if err := qc.ListUsers(e.ctx, func(u connector.RemoteUser) error { out[u.Email] = u; return nil }); err != nil {
		e.t.Fatal(err)
	}
	return out
}

func (s *sink) snapshot() []provision.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]provision.Event(nil), s.evs...)
}

package main

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crewjam/saml"

	"github.com/jumpgate-idp/jumpgate/internal/apiclient"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lease"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore/sqltest"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

// TestReplicasSharePostgres runs two jumpgate serve processes on one
// PostgreSQL database, with quipsim in-process: a console sign-in and an
// SP-initiated SAML sign-in started on one replica finish on the other;
// 300 users are provisioned by both replicas with no user created or
// looked up twice; then one replica is killed (SIGKILL) in the middle of
// provisioning 200 more, and the other finishes them: Quip ends equal to
// the directory, nothing lost or duplicated.
func TestReplicasSharePostgres(t *testing.T) {
	start := time.Now()
	ctx := context.Background()
	pg := sqltest.PostgresDSN(t)
	bin := buildJumpgate(t)
	t.Logf("build: %v", time.Since(start).Round(time.Millisecond))
	// Four API keys: each allows bursts of 100 requests per replica.
	var keys []string
	for i := range 4 {
		keys = append(keys, apiKeyRE.FindString(mustRun(t, nil, "admins", "create", "--db", pg, "--email", fmt.Sprintf("root%d@example.com", i), "--no-password")))
	}
	quip := newSoQuip(t, nil)
	log := &scimLog{}
	frontA := httptest.NewServer(log.front("A", quip.sim))
	t.Cleanup(frontA.Close)
	frontB := httptest.NewServer(log.front("B", quip.sim))
	t.Cleanup(frontB.Close)

	var a, b *replica
	var wg sync.WaitGroup
	wg.Go(func() { a = startReplica(t, bin, "A", pg, frontA.URL) })
	wg.Go(func() { b = startReplica(t, bin, "B", pg, frontB.URL) })
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("two replicas ready: %v", time.Since(start).Round(time.Millisecond))
	clients := func(r *replica) []*apiclient.Client {
		var cs []*apiclient.Client
		for _, k := range keys {
			cs = append(cs, &apiclient.Client{BaseURL: r.url(), APIKey: k})
		}
		return cs
	}
	ca, cb := clients(a), clients(b)

	t.Run("console session", func(t *testing.T) { replicaConsole(t, a, b, ca[0]) })
	t.Run("SP-initiated SSO", func(t *testing.T) { replicaSSO(t, a, b, ca[0], cb[0]) })
	t.Run("admin portal session", func(t *testing.T) { replicaPortal(t, pg, a, b) })
	t.Logf("sign-ins: %v", time.Since(start).Round(time.Millisecond))

	// 300 users in a group bound to Quip, made through both replicas.
	staff, err := ca[0].CreateGroup(ctx, api.GroupInput{Name: "Staff"})
	if err != nil {
		t.Fatal(err)
	}
	all := append(append([]*apiclient.Client(nil), ca...), cb...)
	first := makeMembers(t, all, staff.ID, "p1", 300)
	t.Logf("300 users made: %v", time.Since(start).Round(time.Millisecond))
	app := soQuipApp(t, cb[0], "http://quip.test/business/admin/scim", quip.token, staff.ID)
	mark := log.len() // the connection test of the activation
	waitQuipHas(t, quip, first, 40*time.Second)
	calls := log.since(mark)
	creates, lookups, by := userCalls(calls)
	t.Logf("300 users provisioned: %v; created by A %d, by B %d; %d SCIM calls", time.Since(start).Round(time.Millisecond), by["A"], by["B"], len(calls))
	for _, e := range first {
		if creates[e] != 1 || lookups[e] != 1 {
			t.Errorf("%s: created %d times, looked up %d times; want once each", e, creates[e], lookups[e])
		}
	}
	if len(calls) != 2*len(first) {
		t.Errorf("%d SCIM calls for %d new users, want a look-up and a create each", len(calls), len(first))
	}
	if by["A"] < len(first)/10 || by["B"] < len(first)/10 {
		t.Errorf("work not shared: A created %d, B %d", by["A"], by["B"])
	}
	checkDuties(t, pg, a, b)

	// 200 more while Quip is slow; A is killed in the middle.
	if err := quip.sim.SetFaults(quipsim.Faults{Latency: 40 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	mark = log.len()
	second := makeMembers(t, all, staff.ID, "p2", 200)
	soWaitUntil(t, 30*time.Second, "A to create 20 of the second batch", func() bool {
		_, _, by := userCalls(log.since(mark))
		return by["A"] >= 20
	})
	a.kill(t)
	killedAt := time.Now()
	_, _, by = userCalls(log.since(mark))
	t.Logf("killed A after it created %d and B %d of the second batch", by["A"], by["B"])
	time.Sleep(100 * time.Millisecond)
	if _, _, after := userCalls(log.since(mark)); after["A"] != by["A"] {
		t.Fatalf("A still created users after SIGKILL (%d, then %d)", by["A"], after["A"])
	}
	if err := quip.sim.SetFaults(quipsim.Faults{}); err != nil {
		t.Fatal(err)
	}
	waitQuipHas(t, quip, second, 40*time.Second)
	t.Logf("B finished %v after the kill", time.Since(killedAt).Round(time.Millisecond))
	calls = log.since(mark)
	creates, lookups, by = userCalls(calls)
	for _, c := range calls {
		if c.method == "POST" && c.status != 201 {
			t.Logf("a create that did not succeed: %+v", c)
		}
	}
	reworked := 0
	for _, e := range second {
		if creates[e] != 1 {
			t.Errorf("%s: created %d times in Quip, want once", e, creates[e])
		}
		if lookups[e] > 1 {
			reworked++
		}
	}
	t.Logf("second batch: created by A %d, by B %d; %d users looked up again after the kill", by["A"], by["B"], reworked)
	if reworked > 16 { // at most A's leased batch (4 workers × 4)
		t.Errorf("%d users worked twice, more than A could hold", reworked)
	}
	soWaitUntil(t, 15*time.Second, "B's queue to empty", func() bool {
		st, err := cb[0].IdMStatus(ctx, app.ID)
		return err == nil && st.QueueDepth == 0
	})
	// Quip is the directory: every member once, active, with their names.
	want := map[string]bool{}
	for _, e := range append(first, second...) {
		want[e] = true
	}
	got := quip.usersByEmail(t)
	if len(got) != len(want) {
		t.Errorf("Quip has %d users, the directory %d members", len(got), len(want))
	}
	for e, u := range got {
		if !want[e] || !u.Active || u.FullName != "User "+strings.SplitN(e, "@", 2)[0] {
			t.Errorf("Quip user %s: %+v", e, u)
		}
	}
	t.Logf("total: %v", time.Since(start).Round(time.Millisecond))
}

// makeMembers creates n activated users named <prefix>-NNN through the
// given clients in turn (waiting out 429s) and adds them to group; it
// returns their e-mail addresses.
func makeMembers(t *testing.T, cs []*apiclient.Client, groupID, prefix string, n int) []string {
	t.Helper()
	ctx := context.Background()
	ids, emails := make([]string, n), make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 8)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			name := fmt.Sprintf("%s-%03d", prefix, i)
			err := retry429(func() error {
				u, err := cs[i%len(cs)].CreateUser(ctx, api.UserInput{Username: name, Email: name + "@acme.test", FirstName: "User",
					LastName: name, State: directory.UserActivated})
				if err == nil {
					ids[i], emails[i] = u.ID, u.Email
				}
				return err
			})
			if err != nil {
				errs <- fmt.Errorf("create %s: %w", name, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := 0; i < n; i += 100 {
		if err := retry429(func() error {
			_, err := cs[i/100%len(cs)].AddMembers(ctx, groupID, ids[i:min(i+100, n)])
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	return emails
}

// retry429 calls fn until it is not rate limited (30 s at most).
func retry429(fn func() error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := fn()
		if directory.ErrorCode(err) != directory.ERATELIMITED || time.Now().After(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitQuipHas waits until Quip has an active user for each e-mail.
func waitQuipHas(t *testing.T, quip *soQuip, emails []string, limit time.Duration) {
	t.Helper()
	soWaitUntil(t, limit, fmt.Sprintf("%d users in Quip", len(emails)), func() bool {
		got := quip.usersByEmail(t)
		for _, e := range emails {
			if u, ok := got[e]; !ok || !u.Active {
				return false
			}
		}
		return true
	})
}

// checkDuties reads the periodic duties' leases: each was taken by one of
// the two replicas.
func checkDuties(t *testing.T, dsn string, a, b *replica) {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ls := &lease.Store{DB: st}
	pids := map[string]string{strconv.Itoa(a.cmd.Process.Pid): "A", strconv.Itoa(b.cmd.Process.Pid): "B"}
	for _, name := range []string{dutyPruneEvents, dutyFullReconcile} {
		l, err := ls.Get(context.Background(), name)
		if err != nil {
			t.Fatalf("duty %s: %v", name, err)
		}
		parts := strings.Split(l.Holder, ":")
		if len(parts) != 3 || pids[parts[1]] == "" || l.Until.Before(time.Now().Add(50*time.Minute)) {
			t.Fatalf("duty %s: lease %+v, want one of the replicas for an hour", name, l)
		}
		t.Logf("duty %s runs on replica %s", name, pids[parts[1]])
	}
}

// replicaConsole signs a user in to the console on A and uses the session
// on B.
func replicaConsole(t *testing.T, a, b *replica, c *apiclient.Client) {
	ctx := context.Background()
	u, err := c.CreateUser(ctx, api.UserInput{Username: "ivy", Email: "ivy@example.com", State: directory.UserActivated})
	if err != nil {
		t.Fatal(err)
	}
	const pw = "a long enough password"
	soSetPassword(t, a.url(), c.APIKey, u.ID, pw)
	br := newLBClient()
	br.use(a)
	if code, _, body := soGet(t, br.Client, publicBase+"/console/login"); code != 200 || !strings.Contains(body, `name="password"`) {
		t.Fatalf("sign-in page on A: %d %.300s", code, body)
	}
	if code, path, _ := soPostForm(t, br.Client, publicBase+"/console/login", url.Values{"login": {"ivy"}, "password": {pw}}); code != 200 || path != "/console" {
		t.Fatalf("sign-in on A: %d %s", code, path)
	}
	br.use(b)
	if code, path, body := soGet(t, br.Client, publicBase+"/console"); code != 200 || path != "/console" || !strings.Contains(body, "Sign out") {
		t.Fatalf("console on B with A's session: %d %s %.300s", code, path, body)
	}
	// Signing out on B ends the session on A too.
	code, _, body := soGet(t, br.Client, publicBase+"/console")
	csrf := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(body)
	if code != 200 || csrf == nil {
		t.Fatalf("no CSRF token on the console: %.500s", body)
	}
	if code, _, _ := soPostForm(t, br.Client, publicBase+"/console/logout", url.Values{"csrf_token": {csrf[1]}}); code != 200 {
		t.Fatalf("sign-out on B: %d", code)
	}
	br.use(a)
	if _, path, _ := soGet(t, br.Client, publicBase+"/console"); path != "/console/login" {
		t.Fatalf("console on A after signing out on B: at %s, want the sign-in page", path)
	}
}

// replicaSSO starts an SP-initiated sign-in on A (the AuthnRequest waits
// for the user to sign in) and finishes it on B.
func replicaSSO(t *testing.T, a, b *replica, ca, cb *apiclient.Client) {
	ctx := context.Background()
	app, err := ca.CreateApp(ctx, api.AppInput{TemplateID: "custom-saml", Label: "Wiki"})
	if err != nil {
		t.Fatal(err)
	}
	cur, err := ca.GetAppSSO(ctx, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	acs, _ := url.Parse("https://wiki.example.com/saml/acs")
	in := api.SSOInput{IdPEntityID: cur.IdPEntityID, SPEntityID: "https://wiki.example.com", ACSURLs: []string{acs.String()},
		NameIDAttribute: cur.NameIDAttribute, NameIDFormat: cur.NameIDFormat, SignatureAlgorithm: cur.SignatureAlgorithm,
		Sign: cur.Sign, Attributes: cur.Attributes, GroupsAttribute: cur.GroupsAttribute}
	if _, err := ca.PutAppSSO(ctx, app.ID, in); err != nil {
		t.Fatal(err)
	}
	g, err := ca.CreateGroup(ctx, api.GroupInput{Name: "Wiki users"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := ca.CreateUser(ctx, api.UserInput{Username: "sam", Email: "sam@example.com", State: directory.UserActivated})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ca.AddMembers(ctx, g.ID, []string{u.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := ca.SetAppGroups(ctx, app.ID, []string{g.ID}); err != nil {
		t.Fatal(err)
	}
	const pw = "another long password"
	soSetPassword(t, a.url(), ca.APIKey, u.ID, pw)
	md, _, err := cb.AppMetadata(ctx, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil {
		t.Fatal(err)
	}
	sp := &saml.ServiceProvider{EntityID: in.SPEntityID, AcsURL: *acs, IDPMetadata: &ed}
	authn, err := sp.MakeAuthenticationRequest(sp.GetSSOBindingLocation(saml.HTTPRedirectBinding), saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		t.Fatal(err)
	}
	redirect, err := authn.Redirect("state-42", sp)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(redirect.String(), publicBase+"/saml2/") {
		t.Fatalf("AuthnRequest goes to %s", redirect)
	}
	br := newLBClient()
	br.use(a)
	code, path, body := soGet(t, br.Client, redirect.String())
	if code != 200 || path != "/console/login" {
		t.Fatalf("AuthnRequest on A: %d %s %.300s", code, path, body)
	}
	pending := regexp.MustCompile(`name="pending" value="([^"]+)"`).FindStringSubmatch(body)
	if pending == nil {
		t.Fatalf("no pending request on A's sign-in page: %.500s", body)
	}
	br.use(b)
	code, _, body = soPostForm(t, br.Client, publicBase+"/console/login", url.Values{"login": {"sam"}, "password": {pw}, "pending": {html.UnescapeString(pending[1])}})
	form := regexp.MustCompile(`name="SAMLResponse" value="([^"]+)"`).FindStringSubmatch(body)
	relay := regexp.MustCompile(`name="RelayState" value="([^"]*)"`).FindStringSubmatch(body)
	if code != 200 || form == nil || relay == nil || html.UnescapeString(relay[1]) != "state-42" {
		t.Fatalf("sign-in on B did not answer the AuthnRequest: %d %.800s", code, body)
	}
	raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(form[1]))
	if err != nil {
		t.Fatal(err)
	}
	assertion, err := sp.ParseXMLResponse(raw, []string{authn.ID}, *acs)
	if err != nil {
		var ie *saml.InvalidResponseError
		if errors.As(err, &ie) {
			err = ie.PrivateErr
		}
		t.Fatalf("the Response from B does not verify: %v", err)
	}
	if assertion.Subject == nil || assertion.Subject.NameID == nil || assertion.Subject.NameID.Value != "sam@example.com" {
		t.Fatalf("assertion subject = %+v", assertion.Subject)
	}
	// The request's ID is spent on every replica: replayed to A, it is refused.
	again := newLBClient()
	again.use(a)
	if code, _, body := soGet(t, again.Client, redirect.String()); code != 400 || !strings.Contains(body, "already used") {
		t.Fatalf("replayed AuthnRequest on A: %d %.300s", code, body)
	}
}

// replicaPortal signs an administrator in to the portal on A and uses the
// session on B.
func replicaPortal(t *testing.T, dsn string, a, b *replica) {
	out := mustRun(t, nil, "admins", "create", "--db", dsn, "--email", "portal@example.com")
	pw := soPasswordRE.FindStringSubmatch(out)
	if pw == nil {
		t.Fatalf("admins create printed no password:\n%s", out)
	}
	br := newLBClient()
	br.use(a)
	if code, path, body := soPostForm(t, br.Client, publicBase+"/admin/login", url.Values{"email": {"portal@example.com"}, "password": {pw[1]}}); code != 200 || path != "/admin/users" {
		t.Fatalf("portal sign-in on A: %d %s %.300s", code, path, body)
	}
	br.use(b)
	if code, path, body := soGet(t, br.Client, publicBase+"/admin/users"); code != 200 || path != "/admin/users" || !strings.Contains(body, "ivy") {
		t.Fatalf("portal on B with A's session: %d %s %.300s", code, path, body)
	}
}

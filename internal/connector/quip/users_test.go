package quip_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/connector/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/connector/quip"
)

func TestBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://acme.quip.com/business/admin/scim":    "https://acme.quip.com/business/admin/scim/2",
		"https://acme.quip.com/business/admin/scim/":   "https://acme.quip.com/business/admin/scim/2",
		"https://acme.quip.com/business/admin/scim/2/": "https://acme.quip.com/business/admin/scim/2",
		"https://scim.quip.com/2":                      "https://scim.quip.com/2",
		" https://scim.quip.com ":                      "https://scim.quip.com/2",
	} {
		if got := quip.BaseURL(in); got != want {
			t.Errorf("BaseURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUserLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	u, err := e.conn.CreateUser(ctx, connector.User{ExternalKey: "dir-1", UserName: "ignored", Email: "ann@acme.test",
		GivenName: "Ann", FamilyName: "Lee", DisplayName: "Ann L", EmployeeID: "E1", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == "" || u.Email != "ann@acme.test" || u.Formatted != "Ann Lee" || u.ExternalID != "E1" || !u.Active || u.UserName == "" {
		t.Fatalf("created %+v", u)
	}
	reqs := e.rec.take()
	if len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].Path != "/business/admin/scim/2/Users" {
		t.Fatalf("requests %+v", reqs)
	}
	var body map[string]any
	if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if _, ok := body["userName"]; ok {
		t.Errorf("POST sent userName: %s", reqs[0].Body)
	}
	if strings.Contains(string(reqs[0].Body), "dir-1") {
		t.Errorf("POST sent the directory key: %s", reqs[0].Body)
	}
	emails := body["emails"].([]any)
	if em := emails[0].(map[string]any); em["type"] != "work" || em["value"] != "ann@acme.test" {
		t.Errorf("email sent as %v", em)
	}

	got, err := e.conn.GetUser(ctx, u.ID)
	if err != nil || *got != *u {
		t.Fatalf("GetUser = %+v, %v; want %+v", got, err, u)
	}
	if _, err := e.conn.CreateUser(ctx, connector.User{Email: "ANN@acme.test", GivenName: "X", Active: true}); !connector.IsConflict(err) {
		t.Fatalf("duplicate create: %v", err)
	}

	// Update: userName never sent, only changed fields.
	desired := connector.User{UserName: "someone-else", Email: "ann.lee@acme.test", GivenName: "Ann", FamilyName: "Lee",
		DisplayName: "Ann L", EmployeeID: "E1", Active: true}
	e.rec.take()
	after, changes, err := e.conn.UpdateUser(ctx, u.ID, desired, got)
	if err != nil {
		t.Fatal(err)
	}
	if after.Email != "ann.lee@acme.test" || len(changes) != 1 || changes[0].Field != "emails" || changes[0].From != "ann@acme.test" {
		t.Fatalf("after %+v changes %+v", after, changes)
	}
	for _, r := range e.rec.take() {
		if strings.Contains(string(r.Body), "userName") {
			t.Errorf("%s %s sent userName: %s", r.Method, r.Path, r.Body)
		}
		if r.Method == "PATCH" && !strings.Contains(string(r.Body), `"type":"work"`) {
			t.Errorf("email not typed work: %s", r.Body)
		}
	}
	// Nothing differs: nothing sent.
	again, changes, err := e.conn.UpdateUser(ctx, u.ID, desired, after)
	if err != nil || len(changes) != 0 || again != after || len(e.rec.take()) != 0 {
		t.Fatalf("no-op update: %v %v", changes, err)
	}
	// A name change sends name, not userName.
	desired.FamilyName = "Lee-Smith"
	after, changes, err = e.conn.UpdateUser(ctx, u.ID, desired, after)
	if err != nil || after.Formatted != "Ann Lee-Smith" || len(changes) != 1 || changes[0].Field != "name.formatted" {
		t.Fatalf("rename: %+v %+v %v", after, changes, err)
	}
	for _, r := range e.rec.take() {
		if strings.Contains(string(r.Body), "userName") {
			t.Errorf("%s %s sent userName: %s", r.Method, r.Path, r.Body)
		}
	}

	// An emptied employee id removes externalId.
	desired.EmployeeID = ""
	after, changes, err = e.conn.UpdateUser(ctx, u.ID, desired, after)
	if err != nil || after.ExternalID != "" || len(changes) != 1 || changes[0].Field != "externalId" {
		t.Fatalf("externalId removal: %+v %+v %v", after, changes, err)
	}

	// Deprovision, then the deactivated user is still found by email.
	if err := e.conn.SetActive(ctx, u.ID, false); err != nil {
		t.Fatal(err)
	}
	found, err := e.conn.FindUserByEmail(ctx, "Ann.Lee@acme.test")
	if err != nil || found == nil || found.ID != u.ID || found.Active {
		t.Fatalf("FindUserByEmail = %+v, %v", found, err)
	}
	if none, err := e.conn.FindUserByEmail(ctx, "nobody@acme.test"); none != nil || err != nil {
		t.Fatalf("FindUserByEmail(nobody) = %+v, %v", none, err)
	}
	if err := e.conn.SetActive(ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	// Quip's DELETE deactivates.
	if !e.conn.UserDeleteDeactivates() || !e.conn.GroupLookupByListing() || !e.conn.GroupsSupported() {
		t.Fatal("profile flags")
	}
	if err := e.conn.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := e.conn.GetUser(ctx, u.ID); err != nil || got.Active {
		t.Fatalf("after delete: %+v %v", got, err)
	}
	if _, err := e.conn.GetUser(ctx, "no-such-id"); !connector.IsNotFound(err) || connector.IsTemporary(err) {
		t.Fatalf("GetUser(missing) = %v", err)
	}
}

// Quip stores one full name and splits it at the first space: "Mary Ann"
// + "Lee" reads back as "Mary" + "Ann Lee". Comparing by formatted name
// means no endless updates.
func TestNamesComparedByFormatted(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	desired := connector.User{Email: "mary@acme.test", GivenName: "Mary Ann", FamilyName: "Lee", DisplayName: "Mary Ann Lee", Active: true}
	u, err := e.conn.CreateUser(ctx, desired)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := e.conn.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cur.GivenName != "Mary" || cur.FamilyName != "Ann Lee" || cur.Formatted != "Mary Ann Lee" {
		t.Fatalf("read back %+v", cur)
	}
	e.rec.take()
	_, changes, err := e.conn.UpdateUser(ctx, u.ID, desired, cur)
	if err != nil || len(changes) != 0 {
		t.Fatalf("changes %+v, %v", changes, err)
	}
	if n := len(e.rec.take()); n != 0 {
		t.Fatalf("%d requests for an unchanged user", n)
	}
}

func TestEmailReleaser(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	old := e.createUser("bo@acme.test", "Bo", "Old")
	if err := e.conn.SetActive(ctx, old.ID, false); err != nil {
		t.Fatal(err)
	}
	newUser := connector.User{Email: "bo@acme.test", GivenName: "Bo", FamilyName: "New", Active: true}
	if _, err := e.conn.CreateUser(ctx, newUser); !connector.IsConflict(err) {
		t.Fatalf("plain create: %v, want a conflict", err)
	}
	var rel connector.EmailReleaser = e.conn
	id, err := rel.ReleaseEmail(ctx, "bo@acme.test")
	if err != nil || id != old.ID {
		t.Fatalf("ReleaseEmail = %q, %v", id, err)
	}
	got, err := e.conn.GetUser(ctx, old.ID)
	if err != nil || got.Email != quip.ReleasedEmail(old.ID) || got.Active {
		t.Fatalf("released account %+v, %v", got, err)
	}
	created, err := e.conn.CreateUser(ctx, newUser)
	if err != nil || created.ID == old.ID {
		t.Fatalf("create after release: %+v, %v", created, err)
	}
	// An active holder is not touched; no holder is "".
	if _, err := rel.ReleaseEmail(ctx, "bo@acme.test"); !connector.IsConflict(err) {
		t.Fatalf("release of an active account: %v", err)
	}
	if id, err := rel.ReleaseEmail(ctx, "none@acme.test"); id != "" || err != nil {
		t.Fatalf("release of a free email: %q %v", id, err)
	}
}

func TestEndSessions(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	u := e.createUser("cy@acme.test", "Cy", "Lo")
	tok, err := e.sim.StartSession(ctx, e.company.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.SessionUser(ctx, tok); err != nil {
		t.Fatal(err)
	}
	var sr connector.SessionResetter = e.conn
	if err := sr.EndSessions(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.SessionUser(ctx, tok); err == nil {
		t.Fatal("session still alive")
	}
	if got, err := e.conn.GetUser(ctx, u.ID); err != nil || !got.Active {
		t.Fatalf("user after EndSessions %+v %v", got, err)
	}
}

func createMany(t *testing.T, e *env, n int) []string {
	t.Helper()
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	work := make(chan int)
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				u, err := e.conn.CreateUser(context.Background(), connector.User{Email: fmt.Sprintf("u%05d@acme.test", i),
					GivenName: "U", FamilyName: strconv.Itoa(i), Active: true})
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					continue
				}
				ids[i] = u.ID
			}
		}()
	}
	for i := 0; i < n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	return ids
}

func TestListUsersPaging(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	want := createMany(t, e, 250)
	e.rec.take()
	count := func(c connector.Connector) (map[string]bool, error) {
		seen := map[string]bool{}
		err := c.ListUsers(ctx, func(u connector.RemoteUser) error {
			if seen[u.ID] {
				return fmt.Errorf("user %s listed twice", u.ID)
			}
			seen[u.ID] = true
			return nil
		})
		return seen, err
	}
	seen, err := count(e.conn)
	if err != nil || len(seen) != 250 {
		t.Fatalf("listed %d, %v", len(seen), err)
	}
	for _, id := range want {
		if !seen[id] {
			t.Fatalf("user %s not listed", id)
		}
	}
	// Pages of up to 1000, as Quip's ServiceProviderConfig allows.
	reqs := e.rec.take()
	if len(reqs) != 1 {
		t.Fatalf("%d list requests for 250 users, want 1", len(reqs))
	}

	// A server whose pages are smaller than asked (7 at most).
	small := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if c, _ := strconv.Atoi(q.Get("count")); c > 7 {
			q.Set("count", "7")
			r.URL.RawQuery = q.Encode()
		}
		e.sim.ServeHTTP(w, r)
	}))
	defer small.Close()
	c2 := e.connector(connector.Config{BaseURL: small.URL + "/2", Doer: small.Client()})
	seen, err = count(c2)
	if err != nil || len(seen) != 250 || c2.Requests() != 36 {
		t.Fatalf("small pages: listed %d in %d requests, %v", len(seen), c2.Requests(), err)
	}
	// fn's error stops the walk.
	stop := fmt.Errorf("stop")
	if err := e.conn.ListUsers(ctx, func(connector.RemoteUser) error { return stop }); err != stop {
		t.Fatalf("fn error: %v", err)
	}
}

func TestConnectionTest(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	if err := e.conn.TestConnection(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := e.rec.take()
	if len(reqs) != 1 || reqs[0].Method != "GET" || reqs[0].Path != "/business/admin/scim/2/Users" {
		t.Fatalf("requests %+v", reqs)
	}
	bad := e.connector(connector.Config{Token: "wrong-token"})
	err := bad.TestConnection(ctx)
	ce := connector.AsError(err)
	if ce == nil || ce.HTTPStatus != 401 || !strings.Contains(err.Error(), "a valid bearer token is required") || connector.IsTemporary(err) {
		t.Fatalf("wrong token: %v", err)
	}
	if strings.Contains(err.Error(), "wrong-token") {
		t.Fatalf("error shows the token: %v", err)
	}
	// Through the registry, with Quip's own /2 base.
	c, err := catalog.DefaultRegistry().Open(ctx, connector.Config{Kind: "quip", BaseURL: e.srv.URL + "/2", Token: e.token})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.TestConnection(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := catalog.DefaultRegistry().Open(ctx, connector.Config{Kind: "nope"}); err == nil {
		t.Fatal("unknown kind opened")
	}
	if _, err := quip.New(connector.Config{BaseURL: "ftp://x", Token: "t"}); err == nil {
		t.Fatal("bad base URL accepted")
	}
}

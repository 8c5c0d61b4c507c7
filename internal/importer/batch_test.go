package importer_test

import (
	"context"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/importer"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore/sqltest"
)

// A batch maps users as one-by-one import would: usernames and employee
// identifiers taken in the directory or earlier in the same batch are not
// reused; existing users are skipped and left as they are.
func TestImportBatchMapping(t *testing.T) {
	sqltest.Backends(t, func(t *testing.T, dsn string) { importBatchMapping(t, newEnvDSN(t, dsn)) })
}

func importBatchMapping(t *testing.T, e *env) {
	e.seed(0, 6)
	for _, email := range []string{"dupa@acme.test", "dupb@acme.test"} {
		if _, err := e.quip.CreateUser(e.ctx, connector.User{Email: email, GivenName: "D", FamilyName: "Up", EmployeeID: "DUP", Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	e.activate()
	for _, u := range []directory.User{
		{Username: "u00002", Email: "other2@else.test"},               // takes app user 2's username
		{Username: "emp3", Email: "emp3@else.test", EmployeeID: "E3"}, // takes app user 3's employee id
		{Username: "keep4", Email: "u00004@acme.test", FirstName: "Keep"},
	} {
		if _, err := e.svc.CreateUser(e.ctx, e.admin, u); err != nil {
			t.Fatal(err)
		}
	}
	writes := refuseUser(e, "nobody")
	res, err := e.im.Import(e.ctx, e.admin, e.appID, importer.Selection{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 7 || res.Skipped != 1 || res.Failed != 0 || len(res.Users) != 8 {
		t.Fatalf("result: %+v", res)
	}
	if *writes != 1 {
		t.Fatalf("the batch was written in %d transactions, not one", *writes)
	}
	by := map[string]importer.UserResult{}
	for _, r := range res.Users {
		by[r.Email] = r
	}
	if r := by["u00004@acme.test"]; r.Outcome != importer.OutcomeSkipped || r.Username != "keep4" || r.Managed == nil || *r.Managed {
		t.Fatalf("existing user: %+v", r)
	}
	if kept := e.user(by["u00004@acme.test"].UserID); kept.FirstName != "Keep" {
		t.Fatalf("existing user changed: %+v", kept)
	}
	if u := e.user(by["u00002@acme.test"].UserID); u.Username != "u000022" {
		t.Fatalf("taken username: %+v", u)
	}
	if u := e.user(by["u00003@acme.test"].UserID); u.EmployeeID != "" || u.Username != "u00003" {
		t.Fatalf("taken employee id: %+v", u)
	}
	if u := e.user(by["u00001@acme.test"].UserID); u.EmployeeID != "E1" || u.FirstName != "Given" || u.LastName != "Family1" {
		t.Fatalf("mapped user: %+v", u)
	}
	a, b := e.user(by["dupa@acme.test"].UserID), e.user(by["dupb@acme.test"].UserID)
	if (a.EmployeeID == "DUP") == (b.EmployeeID == "DUP") || a.EmployeeID+b.EmployeeID != "DUP" {
		t.Fatalf("employee id twice in the batch: %q %q", a.EmployeeID, b.EmployeeID)
	}
	for _, r := range res.Users {
		if r.Outcome == importer.OutcomeCreated && (r.ActivationURL == "" || r.ActivationUntil == nil || r.Warning != importer.UnmanagedWarning) {
			t.Fatalf("created: %+v", r)
		}
	}
}

// refuseUser makes every write that creates the user named username fail
// as a conflict would, the way a user created elsewhere between the batch's
// read and its write does.
func refuseUser(e *env, username string) *int {
	calls := new(int)
	e.svc.Effects = append(e.svc.Effects, func(_ context.Context, _ directory.Tx, cs []directory.Change) error {
		*calls++
		for _, c := range cs {
			if c.Kind == directory.UserCreated && c.ResourceName == username {
				return directory.Conflict("email", "email is already taken")
			}
		}
		return nil
	})
	return calls
}

// One conflicting user refuses its batch's write; the batch is then
// imported one by one, so only that user fails and nothing is half-written.
func TestImportBatchConflictFailsOnlyThatUser(t *testing.T) {
	sqltest.Backends(t, func(t *testing.T, dsn string) { batchConflict(t, newEnvDSN(t, dsn)) })
}

func batchConflict(t *testing.T, e *env) {
	e.seed(0, 10)
	e.activate()
	calls := refuseUser(e, "u00004")
	res, err := e.im.Import(e.ctx, e.admin, e.appID, importer.Selection{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 9 || res.Failed != 1 || res.Skipped != 0 || e.countUsers() != 9 {
		t.Fatalf("result: %+v, %d users", res, e.countUsers())
	}
	for _, r := range res.Users {
		bad := r.Email == "u00004@acme.test"
		if bad != (r.Outcome == importer.OutcomeFailed) || (bad && (r.Reason != "email is already taken" || r.UserID != "")) ||
			(!bad && r.ActivationURL == "") {
			t.Fatalf("user result: %+v", r)
		}
	}
	// The refused batch, then one write per user.
	if *calls != 1+10 {
		t.Fatalf("%d writes", *calls)
	}
	// Every created user has exactly one change record and one event.
	var cs []directory.Change
	if err := e.store.View(e.ctx, func(tx directory.Tx) error {
		var err error
		cs, err = tx.ListChanges(e.ctx, directory.ChangeFilter{ResourceType: "user", Limit: directory.MaxPageSize})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	created := map[string]int{}
	for _, c := range cs {
		created[c.ResourceID]++
	}
	events, err := e.ins.Query(e.ctx, insights.Query{EventTypes: []insights.EventType{insights.UserCreate}, Limit: 100})
	if err != nil || len(cs) != 9 || len(created) != 9 || len(events.Events) != 9 {
		t.Fatalf("%d changes for %d users, %d events, %v", len(cs), len(created), len(events.Events), err)
	}
	for _, ev := range events.Events {
		if ev.InitiatedBy.ID != e.admin.ID || created[ev.Resource.ID] != 1 {
			t.Fatalf("event: %+v", ev)
		}
	}
}

// A job's batch refused by one user fails only that user too.
func TestJobBatchConflictFailsOnlyThatUser(t *testing.T) {
	e := newEnv(t)
	e.seed(0, 130)
	e.activate()
	refuseUser(e, "u00104")
	res, err := e.im.Import(e.ctx, e.admin, e.appID, importer.Selection{All: true})
	if err != nil || res.Job == nil {
		t.Fatalf("%+v %v", res, err)
	}
	if err := e.im.RunPending(e.ctx); err != nil {
		t.Fatal(err)
	}
	j, err := e.im.GetJob(e.ctx, res.Job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != importer.JobComplete || j.Created != 129 || j.Failed != 1 || len(j.Failures) != 1 ||
		j.Failures[0].Email != "u00104@acme.test" || j.Failures[0].Reason != "email is already taken" || len(j.Links) != 129 ||
		e.countUsers() != 129 {
		t.Fatalf("job: %+v, %d users", j, e.countUsers())
	}
}

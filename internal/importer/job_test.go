package importer_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/importer"
	"github.com/jumpgate-idp/jumpgate/internal/mail"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore/sqltest"
)

const jobUsers = 5000

func TestJobProgressResumeAndMail(t *testing.T) {
	e := newEnv(t)
	e.seedMany(jobUsers)
	e.activate()
	smtpd, sender := startSMTP(t)
	e.im.Mailer = sender
	res, err := e.im.Import(e.ctx, e.admin, e.appID, importer.Selection{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Job == nil || res.Job.Total != jobUsers || len(res.Users) != 0 {
		t.Fatalf("expected a job: %+v", res)
	}
	if e.countUsers() != 0 {
		t.Fatal("job start imported users")
	}
	// Work part of the job, then stop as a restart would.
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- e.im.RunPending(ctx) }()
	var seen *importer.Job
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		j, err := e.im.GetJob(e.ctx, res.Job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.Done > 0 && j.Done < j.Total {
			seen = j
			break
		}
	}
	cancel()
	<-done
	if seen == nil || seen.State != importer.JobRunning {
		t.Fatalf("no progress seen while running: %+v", seen)
	}
	// A fresh importer on the same database resumes the job.
	im2 := *e.im
	if err := im2.RunPending(e.ctx); err != nil {
		t.Fatal(err)
	}
	j, err := e.im.GetJob(e.ctx, res.Job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != importer.JobComplete || j.Done != jobUsers || j.Failed != 0 || j.Created+j.Skipped != jobUsers || j.FinishedAt == nil {
		t.Fatalf("job: %+v", j)
	}
	if e.countUsers() != jobUsers {
		t.Fatalf("users: %d", e.countUsers())
	}
	if len(j.Links) != j.Created || j.Links[0].ActivationURL == "" {
		t.Fatalf("links: %d of %d", len(j.Links), j.Created)
	}
	msgs := smtpd.received()
	if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0] != "boss@acme.test" || !strings.Contains(msgs[0].Data, "5000 users") ||
		!strings.Contains(msgs[0].Data, "Created: "+strconv.Itoa(j.Created)) {
		t.Fatalf("mail: %+v", msgs)
	}
	// Re-running creates nobody.
	again, err := e.im.Import(e.ctx, e.admin, e.appID, importer.Selection{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if again.Job == nil || again.Job.Done != jobUsers || again.Job.Skipped != jobUsers {
		t.Fatalf("re-run: users in the directory are not skipped at once: %+v", again.Job)
	}
	if err := e.im.RunPending(e.ctx); err != nil {
		t.Fatal(err)
	}
	j2, err := e.im.GetJob(e.ctx, again.Job.ID)
	if err != nil || j2.Created != 0 || j2.Skipped != jobUsers || e.countUsers() != jobUsers {
		t.Fatalf("re-run: %+v %v", j2, err)
	}
}

func TestJobFaultsReportedPerUser(t *testing.T) {
	sqltest.Backends(t, func(t *testing.T, dsn string) { jobFaults(t, newEnvDSN(t, dsn)) })
}

func jobFaults(t *testing.T, e *env) {
	e.seed(0, 150)
	e.activate()
	outbox := &mail.Outbox{Store: e.store}
	e.im.Mailer = outbox
	res, err := e.im.Import(e.ctx, e.admin, e.appID, importer.Selection{All: true})
	if err != nil || res.Job == nil {
		t.Fatalf("%+v %v", res, err)
	}
	if err := e.sim.SetFaults(quipsim.Faults{ErrorRate: 0.5}); err != nil {
		t.Fatal(err)
	}
	if err := e.im.RunPending(e.ctx); err != nil {
		t.Fatal(err)
	}
	j, err := e.im.GetJob(e.ctx, res.Job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != importer.JobComplete || j.Done != 150 || j.Failed == 0 || j.Created == 0 || j.Failed+j.Created != 150 ||
		len(j.Failures) != j.Failed || j.Failures[0].Reason == "" {
		t.Fatalf("job: %+v", j)
	}
	if e.countUsers() != j.Created {
		t.Fatalf("users %d, created %d", e.countUsers(), j.Created)
	}
	msgs, err := outbox.List(e.ctx, 0)
	if err != nil || len(msgs) != 1 || msgs[0].To != "boss@acme.test" || !strings.Contains(msgs[0].Body, "Failed: "+strconv.Itoa(j.Failed)) {
		t.Fatalf("outbox: %+v %v", msgs, err)
	}
}

func TestImportRefusedWhenAppUnreachable(t *testing.T) {
	e := newEnv(t)
	e.seed(0, 5)
	e.activate()
	if err := e.sim.SetFaults(quipsim.Faults{ErrorRate: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := e.im.Import(e.ctx, e.admin, e.appID, importer.Selection{All: true})
	if err == nil || !strings.Contains(err.Error(), "unavailable") {
		t.Fatalf("want unavailable: %v", err)
	}
	if e.countUsers() != 0 {
		t.Fatal("half-imported")
	}
}

// Two workers (e.g. two replicas) never work the same job at once.
func TestJobLeasedToOneWorker(t *testing.T) {
	e := newEnv(t)
	e.seed(0, 130)
	e.activate()
	res, err := e.im.Import(e.ctx, e.admin, e.appID, importer.Selection{All: true})
	if err != nil || res.Job == nil {
		t.Fatalf("%+v %v", res, err)
	}
	other := *e.im
	other.Holder = "another replica"
	errs := make(chan error, 2)
	go func() { errs <- e.im.RunPending(e.ctx) }()
	go func() { errs <- other.RunPending(e.ctx) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := e.im.RunPending(e.ctx); err != nil {
		t.Fatal(err)
	}
	j, err := e.im.GetJob(e.ctx, res.Job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != importer.JobComplete || j.Created != 130 || j.Skipped != 0 || len(j.Links) != 130 || e.countUsers() != 130 {
		t.Fatalf("job: %+v", j)
	}
}

// Users already in the directory are skipped when the job starts; the
// worker reads only the others from the app.
func TestJobSkipsExistingAtStart(t *testing.T) {
	e := newEnv(t)
	e.seed(0, 130)
	e.activate()
	pre := map[string]string{}
	for i := 0; i < 130; i += 3 {
		u, err := e.svc.CreateUser(e.ctx, e.admin, directory.User{Username: fmt.Sprintf("pre%d", i), Email: fmt.Sprintf("U%05d@ACME.test", i), FirstName: "Keep"})
		if err != nil {
			t.Fatal(err)
		}
		pre[u.ID] = u.Email
	}
	res, err := e.im.Import(e.ctx, e.admin, e.appID, importer.Selection{All: true})
	if err != nil || res.Job == nil || res.Job.Total != 130 || res.Job.Done != len(pre) || res.Job.Skipped != len(pre) {
		t.Fatalf("%+v %v", res, err)
	}
	if err := e.im.RunPending(e.ctx); err != nil {
		t.Fatal(err)
	}
	j, err := e.im.GetJob(e.ctx, res.Job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != importer.JobComplete || j.Done != 130 || j.Skipped != len(pre) || j.Created != 130-len(pre) || j.Failed != 0 ||
		len(j.Links) != j.Created || e.countUsers() != 130 {
		t.Fatalf("job: %+v", j)
	}
	for _, l := range j.Links {
		if _, ok := pre[l.UserID]; ok {
			t.Fatalf("existing user got a link: %+v", l)
		}
	}
	for id := range pre {
		if u := e.user(id); u.FirstName != "Keep" {
			t.Fatalf("existing user changed: %+v", u)
		}
	}
}

package importer

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Job states.
const (
	JobRunning  = "running"
	JobComplete = "complete"
	JobFailed   = "failed"
)

// Failure is one user a job could not import.
type Failure struct {
	ID     string `json:"id"`
	Email  string `json:"email,omitempty"`
	Reason string `json:"reason"`
}

// Link is the activation link of a user a job created.
type Link struct {
	UserID          string `json:"userId"`
	Email           string `json:"email"`
	ActivationToken string `json:"activationToken,omitempty"`
	ActivationURL   string `json:"activationUrl,omitempty"`
}

// Job is a background import and its progress.
type Job struct {
	ID         string     `json:"id"`
	AppID      string     `json:"appId"`
	AppLabel   string     `json:"appLabel"`
	AdminID    string     `json:"adminId"`
	AdminEmail string     `json:"adminEmail,omitempty"`
	Total      int        `json:"total"`
	Done       int        `json:"done"`
	Created    int        `json:"created"`
	Skipped    int        `json:"skipped"`
	Failed     int        `json:"failed"`
	State      string     `json:"state"`
	Failures   []Failure  `json:"failures"`
	Links      []Link     `json:"links,omitempty"`
	Warning    string     `json:"warning,omitempty"`
	StartedAt  time.Time  `json:"started"`
	FinishedAt *time.Time `json:"finished,omitempty"`
	ids        []string
}

// jobOrder lists a job's users: first those whose e-mail address is a
// directory user's already, then the others; skipped counts the first.
// Those are skipped at once, as the worker would skip them (an existing
// user is never changed), so a re-run reads them from the app no more.
func (im *Importer) jobOrder(ctx context.Context, users []connector.RemoteUser) (ids []string, skipped int, err error) {
	keys := make([]string, 0, len(users))
	for _, u := range users {
		if k := strings.ToLower(strings.TrimSpace(u.Email)); k != "" {
			keys = append(keys, k)
		}
	}
	var existing map[string]directory.User
	err = im.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		existing, err = usersByEmail(ctx, tx, keys)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("importer: read emails: %w", err)
	}
	ids = make([]string, 0, len(users))
	var rest []string
	for _, u := range users {
		k := strings.ToLower(strings.TrimSpace(u.Email))
		if _, ok := existing[k]; ok && k != "" {
			ids = append(ids, u.ID)
		} else {
			rest = append(rest, u.ID)
		}
	}
	return append(ids, rest...), len(ids), nil
}

// startJob saves a new job for ids, the first skipped of which are done
// (skipped) already.
func (im *Importer) startJob(ctx context.Context, admin directory.Actor, app *directory.App, ids []string, skipped int) (*Job, error) {
	email := admin.Email
	if email == "" {
		_ = im.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
			if a, err := tx.GetAdmin(ctx, admin.ID); err == nil {
				email = a.Email
			}
			return nil
		})
	}
	idsJSON, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	j := &Job{ID: uuid.Must(uuid.NewV7()).String(), AppID: app.ID, AppLabel: app.Label, AdminID: admin.ID, AdminEmail: email,
		Total: len(ids), Done: skipped, Skipped: skipped, State: JobRunning, StartedAt: im.now(), Failures: []Failure{}}
	err = im.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO import_jobs (id, app_id, app_label, admin_id, admin_email, user_ids, total, done, skipped,
			state, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, j.ID, j.AppID, j.AppLabel, j.AdminID, j.AdminEmail,
			string(idsJSON), j.Total, j.Done, j.Skipped, j.State, j.StartedAt.UnixMilli())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("importer: save job: %w", err)
	}
	im.event(ctx, insights.ImportStart, admin, app, true, "", map[string]string{"job": j.ID, "total": fmt.Sprint(j.Total)})
	return j, nil
}

// GetJob returns a job and its progress; ENOTFOUND when unknown.
func (im *Importer) GetJob(ctx context.Context, id string) (*Job, error) {
	var j *Job
	err := im.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		j, err = loadJob(ctx, tx, id)
		return err
	})
	return j, err
}

func loadJob(ctx context.Context, tx *sqlstore.Tx, id string) (*Job, error) {
	j := &Job{ID: id}
	var ids, failures, links string
	var started, finished int64
	err := tx.QueryRow(ctx, `SELECT app_id, app_label, admin_id, admin_email, user_ids, total, done, created, skipped, failed,
		failures, links, state, started_at, finished_at FROM import_jobs WHERE id = ?`, id).
		Scan(&j.AppID, &j.AppLabel, &j.AdminID, &j.AdminEmail, &ids, &j.Total, &j.Done, &j.Created, &j.Skipped, &j.Failed,
			&failures, &links, &j.State, &started, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, directory.NotFound("import job", id)
	}
	if err != nil {
		return nil, fmt.Errorf("importer: read job: %w", err)
	}
	if err := json.Unmarshal([]byte(ids), &j.ids); err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(failures), &j.Failures)
	_ = json.Unmarshal([]byte(links), &j.Links)
	if j.Failures == nil {
		j.Failures = []Failure{}
	}
	j.StartedAt = time.UnixMilli(started).UTC()
	if finished != 0 {
		t := time.UnixMilli(finished).UTC()
		j.FinishedAt = &t
	}
	if len(j.Links) > 0 {
		j.Warning = UnmanagedWarning
	}
	return j, nil
}

// RunPending works every unfinished job to its end (also those a previous
// process left): an existing user is skipped, so re-running is harmless.
func (im *Importer) RunPending(ctx context.Context) error {
	var ids []string
	err := im.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM import_jobs WHERE state = ? ORDER BY started_at`, JobRunning)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("importer: list jobs: %w", err)
	}
	for _, id := range ids {
		if err := im.runJob(ctx, id); errors.Is(err, errLeaseLost) {
			continue // another worker has it now
		} else if err != nil {
			return err
		}
	}
	return nil
}

// Run works pending jobs every interval until ctx ends.
func (im *Importer) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		_ = im.RunPending(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// leaseTTL is how long a worker holds a job without saving progress.
const leaseTTL = 2 * time.Minute

// errLeaseLost stops a worker whose job another worker has taken over (its
// lease expired while it stalled).
var errLeaseLost = errors.New("importer: the job's lease was lost to another worker")

// lease takes (or, with release, gives back) a running job; false when
// another worker holds it.
func (im *Importer) lease(ctx context.Context, id string, release bool) (bool, error) {
	now := im.now()
	var n int64
	err := im.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		var res sql.Result
		var err error
		if release {
			res, err = tx.Exec(ctx, `UPDATE import_jobs SET lease_until = 0, lease_holder = '' WHERE id = ? AND lease_holder = ?`, id, im.Holder)
		} else {
			res, err = tx.Exec(ctx, `UPDATE import_jobs SET lease_until = ?, lease_holder = ? WHERE id = ? AND state = ?
				AND (lease_until < ? OR lease_holder = ?)`, now.Add(leaseTTL).UnixMilli(), im.Holder, id, JobRunning, now.UnixMilli(), im.Holder)
		}
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("importer: lease job: %w", err)
	}
	return n == 1, nil
}

func (im *Importer) runJob(ctx context.Context, id string) error {
	ok, err := im.lease(ctx, id, false)
	if err != nil || !ok {
		return err
	}
	// Stopped before the end (shutdown): give the job back at once.
	defer func() { _, _ = im.lease(context.WithoutCancel(ctx), id, true) }()
	j, err := im.GetJob(ctx, id)
	if err != nil {
		return err
	}
	admin := directory.Actor{Type: directory.ActorAdmin, ID: j.AdminID, Email: j.AdminEmail}
	app := &directory.App{ID: j.AppID, Label: j.AppLabel}
	_, conn, err := im.open(ctx, j.AppID)
	if err != nil {
		return im.finish(ctx, j, admin, app, JobFailed, err.Error())
	}
	for j.Done < j.Total {
		end := min(j.Done+batchSize, j.Total)
		results, err := im.jobBatch(ctx, j, conn, admin)
		if err != nil {
			return err
		}
		for k, r := range results {
			switch r.Outcome {
			case OutcomeCreated:
				j.Created++
				j.Links = append(j.Links, Link{UserID: r.UserID, Email: r.Email, ActivationToken: r.ActivationToken, ActivationURL: r.ActivationURL})
			case OutcomeSkipped:
				j.Skipped++
			default:
				j.Failed++
				j.Failures = append(j.Failures, Failure{ID: j.ids[j.Done+k], Email: r.Email, Reason: r.Reason})
			}
		}
		j.Done = end
		if err := im.saveProgress(ctx, j); err != nil {
			return err
		}
	}
	return im.finish(ctx, j, admin, app, JobComplete, "")
}

// jobBatch reads the job's next batch of users from the app, one by one,
// and imports them together; one result per id, in order. A stop (ctx)
// returns its error and no results, so the batch is worked again on resume.
func (im *Importer) jobBatch(ctx context.Context, j *Job, conn connector.Connector, admin directory.Actor) ([]UserResult, error) {
	ids := j.ids[j.Done:min(j.Done+batchSize, j.Total)]
	results := make([]UserResult, len(ids))
	fetched := make([]connector.RemoteUser, 0, len(ids))
	at := make([]int, 0, len(ids))
	renewed := im.now()
	for k, rid := range ids {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if im.now().Sub(renewed) > leaseTTL/4 { // a slow app (Retry-After): keep the lease
			if err := im.renew(ctx, j.ID); err != nil {
				return nil, err
			}
			renewed = im.now()
		}
		ru, err := getUser(ctx, conn, rid)
		if err != nil {
			results[k] = failed(UserResult{ID: rid}, err)
			continue
		}
		fetched, at = append(fetched, *ru), append(at, k)
	}
	for n, r := range im.importUsers(ctx, admin, j.AppID, fetched) {
		results[at[n]] = r
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return results, nil
}

// renew extends the lease of a job this worker holds; errLeaseLost when it
// no longer does.
func (im *Importer) renew(ctx context.Context, id string) error {
	return im.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE import_jobs SET lease_until = ? WHERE id = ? AND lease_holder = ?`,
			im.now().Add(leaseTTL).UnixMilli(), id, im.Holder)
		return held(res, err)
	})
}

// held turns an UPDATE of a held job that changed nothing into errLeaseLost.
func held(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return errLeaseLost
	}
	return nil
}

// maxRetryWait caps how long a job waits before trying a user again.
const maxRetryWait = 30 * time.Second

// getUser reads one user, trying again once after a temporary failure,
// after the wait the application asked for (Retry-After), if any.
func getUser(ctx context.Context, conn connector.Connector, id string) (*connector.RemoteUser, error) {
	u, err := conn.GetUser(ctx, id)
	if err == nil || !connector.IsTemporary(err) {
		return u, err
	}
	if d := min(connector.RetryAfter(err), maxRetryWait); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	return conn.GetUser(ctx, id)
}

func (im *Importer) saveProgress(ctx context.Context, j *Job) error {
	f, _ := json.Marshal(j.Failures)
	l, _ := json.Marshal(j.Links)
	return im.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE import_jobs SET done = ?, created = ?, skipped = ?, failed = ?, failures = ?, links = ?,
			lease_until = ? WHERE id = ? AND lease_holder = ?`, j.Done, j.Created, j.Skipped, j.Failed, string(f), string(l),
			im.now().Add(leaseTTL).UnixMilli(), j.ID, im.Holder)
		return held(res, err)
	})
}

func (im *Importer) finish(ctx context.Context, j *Job, admin directory.Actor, app *directory.App, state, msg string) error {
	if err := im.saveProgress(ctx, j); err != nil {
		return err
	}
	now := im.now()
	err := im.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE import_jobs SET state = ?, finished_at = ? WHERE id = ? AND lease_holder = ?`,
			state, now.UnixMilli(), j.ID, im.Holder)
		return held(res, err)
	})
	if err != nil {
		return fmt.Errorf("importer: finish job: %w", err)
	}
	details := map[string]string{"job": j.ID, "total": fmt.Sprint(j.Total), "created": fmt.Sprint(j.Created),
		"skipped": fmt.Sprint(j.Skipped), "failed": fmt.Sprint(j.Failed)}
	if state == JobComplete {
		im.event(ctx, insights.ImportComplete, admin, app, true, "", details)
	} else {
		im.event(ctx, insights.ImportFailed, admin, app, false, msg, details)
	}
	if im.Mailer != nil && j.AdminEmail != "" {
		subject := fmt.Sprintf("Jumpgate: import from %s %s", j.AppLabel, state)
		body := fmt.Sprintf("The import of %d users from %s (job %s) is %s.\n\nCreated: %d\nSkipped (already in the directory): %d\nFailed: %d\n",
			j.Total, j.AppLabel, j.ID, state, j.Created, j.Skipped, j.Failed)
		if msg != "" {
			body += "\nError: " + msg + "\n"
		}
		if j.Created > 0 {
			body += "\n" + UnmanagedWarning + "\n"
		}
		_ = im.Mailer.Send(ctx, j.AdminEmail, subject, body)
	}
	return nil
}

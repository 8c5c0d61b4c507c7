package importer

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore/sqltest"
)

// A worker that stalled past its lease loses the job: the worker that took
// it over holds it, and the first one's progress, renewal, end and release
// are refused instead of overwriting the new holder's work.
func TestJobLeaseHasOneHolder(t *testing.T) {
	sqltest.Backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st, err := sqlstore.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		a := &Importer{Store: st, Now: clock, Holder: "replica-a"}
		b := &Importer{Store: st, Now: clock, Holder: "replica-b"}
		if err := st.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO import_jobs (id, app_id, admin_id, user_ids, total, state, started_at)
				VALUES ('j1', 'app', 'admin', '[]', 10, ?, ?)`, JobRunning, now.UnixMilli())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if ok, err := a.lease(ctx, "j1", false); !ok || err != nil {
			t.Fatalf("a takes the job: %v %v", ok, err)
		}
		if ok, _ := b.lease(ctx, "j1", false); ok {
			t.Fatal("b took a job a holds")
		}
		// a stalls past its lease; b takes the job over.
		now = now.Add(leaseTTL + time.Second)
		if ok, err := b.lease(ctx, "j1", false); !ok || err != nil {
			t.Fatalf("b takes the expired job: %v %v", ok, err)
		}
		j := &Job{ID: "j1", Done: 3, Total: 10}
		if err := a.saveProgress(ctx, j); !errors.Is(err, errLeaseLost) {
			t.Fatalf("a saved progress on b's job: %v", err)
		}
		if err := a.renew(ctx, "j1"); !errors.Is(err, errLeaseLost) {
			t.Fatalf("a renewed b's lease: %v", err)
		}
		if ok, _ := a.lease(ctx, "j1", true); ok {
			t.Fatal("a released b's lease")
		}
		j.Done = 5
		if err := b.saveProgress(ctx, j); err != nil {
			t.Fatalf("b's progress: %v", err)
		}
		if err := b.renew(ctx, "j1"); err != nil {
			t.Fatalf("b's renewal: %v", err)
		}
		got, err := b.GetJob(ctx, "j1")
		if err != nil || got.Done != 5 {
			t.Fatalf("job %+v %v", got, err)
		}
		if ok, err := b.lease(ctx, "j1", true); !ok || err != nil {
			t.Fatalf("b releases: %v %v", ok, err)
		}
		if ok, _ := a.lease(ctx, "j1", false); !ok {
			t.Fatal("a cannot take the released job")
		}
	})
}

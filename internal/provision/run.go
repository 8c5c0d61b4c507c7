package provision

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Run works due keys until ctx ends, polling every Poll, and marks every
// key of every active integration each FullReconcile.
func (e *Engine) Run(ctx context.Context) error {
	poll := e.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	full := e.FullReconcile
	if full == 0 {
		full = DefaultFullReconcile
	}
	lastFull := e.now()
	for {
		if full > 0 && e.now().Sub(lastFull) >= full {
			lastFull = e.now()
			// A failed listing was recorded as a user_lookup_provision
			// event; the next pass tries again.
			_ = e.MarkAll(ctx)
		}
		n, err := e.step(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil || n == 0 {
			if err := e.sleep(ctx, poll); err != nil {
				return nil
			}
		}
	}
}

// syncBusyPolls and syncBusyPoll bound how long SyncNow waits for a worker
// that holds the key: 200 polls 50 ms apart, 10 s in all.
const (
	syncBusyPolls = 200
	syncBusyPoll  = 50 * time.Millisecond
)

// errKeyBusy says that another worker holds the key's lease.
var errKeyBusy = errors.New("provision: key leased by another worker")

// SyncNow marks one key and reconciles it at once, returning the outcome;
// for a group, its members' keys are marked too (the engine syncs them next).
// kind is KindUser or KindGroup. When a worker is syncing the key already,
// SyncNow waits for it (up to 10 s) and then reconciles again; past
// that it answers a conflict.
func (e *Engine) SyncNow(ctx context.Context, appID, kind, subjectID string) (*Outcome, error) {
	for poll := 0; ; poll++ {
		out, err := e.syncNowOnce(ctx, appID, kind, subjectID)
		if !errors.Is(err, errKeyBusy) {
			return out, err
		}
		if poll >= syncBusyPolls {
			return nil, directory.Conflict(kind, "a worker is syncing this "+kind+" now; try again shortly")
		}
		if err := e.sleep(ctx, syncBusyPoll); err != nil {
			return nil, err
		}
	}
}

func (e *Engine) syncNowOnce(ctx context.Context, appID, kind, subjectID string) (*Outcome, error) {
	if kind != KindUser && kind != KindGroup {
		return nil, directory.Invalid(directory.FieldError{Field: "kind", Reason: "must be user or group"})
	}
	var l leased
	err := e.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		s, _, err := loadSettings(ctx, tx, appID)
		if err != nil {
			return err
		}
		if !s.Active {
			return directory.Conflict("active", "the integration is not active")
		}
		table := "users"
		if kind == KindGroup {
			table = "groups"
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id = ?`, subjectID).Scan(&n); err != nil {
			return fmt.Errorf("provision: sync: %w", err)
		}
		link, err := readLink(ctx, tx, appID, kind, subjectID)
		if err != nil {
			return err
		}
		if n == 0 && link == "" {
			return directory.NotFound(kind, subjectID)
		}
		k := Key{AppID: appID, Kind: kind, SubjectID: subjectID}
		if err := markKey(ctx, tx, k, e.now()); err != nil {
			return err
		}
		if kind == KindGroup {
			// Its members are queued too; the running engine syncs them.
			if err := markQuery(ctx, tx, KindUser, e.now(), `SELECT ag.app_id, gm.user_id FROM app_groups ag
JOIN group_members gm ON gm.group_id = ag.group_id WHERE ag.app_id = ? AND ag.group_id = ?`, appID, subjectID); err != nil {
				return err
			}
		}
		var until int64
		err = tx.QueryRow(ctx, `SELECT generation, attempts, lease_until FROM prov_queue WHERE app_id = ? AND kind = ? AND subject_id = ?`,
			appID, kind, subjectID).Scan(&l.Generation, &l.Attempts, &until)
		if errors.Is(err, sql.ErrNoRows) || err != nil {
			return fmt.Errorf("provision: sync: %w", err)
		}
		if until > sqlstore.TimeValue(e.now()) {
			return errKeyBusy
		}
		l.Key = k
		_, err = tx.Exec(ctx, `UPDATE prov_queue SET lease_owner = ?, lease_until = ? WHERE app_id = ? AND kind = ? AND subject_id = ?`,
			e.owner(), sqlstore.TimeValue(e.now().Add(e.ttl())), appID, kind, subjectID)
		return err
	})
	if err != nil {
		return nil, err
	}
	kp := e.hold(ctx, []Key{l.Key})
	defer kp.close()
	out, err := e.reconcileLeased(ctx, kp, l)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

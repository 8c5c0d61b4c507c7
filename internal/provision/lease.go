package provision

import (
	"context"
	"fmt"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// leased is a key a worker holds until leaseUntil.
type leased struct {
	Key
	Generation int64
	Attempts   int
}

// lease claims up to n due keys of active integrations for owner.
func lease(ctx context.Context, st *sqlstore.Store, owner string, n int, now time.Time, ttl time.Duration) ([]leased, error) {
	var out []leased
	err := st.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		out = out[:0]
		q := `SELECT q.app_id, q.kind, q.subject_id, q.generation, q.attempts FROM prov_queue q
JOIN app_idm i ON i.app_id = q.app_id AND i.active = 1
WHERE q.due_at <= ? AND q.lease_until <= ? ORDER BY q.due_at LIMIT ?`
		if tx.Dialect() == sqlstore.Postgres {
			q += ` FOR UPDATE OF q SKIP LOCKED`
		}
		nv := sqlstore.TimeValue(now)
		rows, err := tx.Query(ctx, q, nv, nv, n)
		if err != nil {
			return fmt.Errorf("provision: lease: %w", err)
		}
		for rows.Next() {
			var l leased
			if err := rows.Scan(&l.AppID, &l.Kind, &l.SubjectID, &l.Generation, &l.Attempts); err != nil {
				rows.Close()
				return fmt.Errorf("provision: lease: %w", err)
			}
			out = append(out, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("provision: lease: %w", err)
		}
		for _, l := range out {
			if _, err := tx.Exec(ctx, `UPDATE prov_queue SET lease_owner = ?, lease_until = ?
WHERE app_id = ? AND kind = ? AND subject_id = ?`, owner, sqlstore.TimeValue(now.Add(ttl)), l.AppID, l.Kind, l.SubjectID); err != nil {
				return fmt.Errorf("provision: lease: %w", err)
			}
		}
		return nil
	})
	return out, err
}

// finish records a successful reconcile: the key is deleted when its
// generation did not change since the lease, else released to run again.
func finish(ctx context.Context, tx *sqlstore.Tx, owner string, l leased) error {
	res, err := tx.Exec(ctx, `DELETE FROM prov_queue WHERE app_id = ? AND kind = ? AND subject_id = ? AND generation = ? AND lease_owner = ?`,
		l.AppID, l.Kind, l.SubjectID, l.Generation, owner)
	if err != nil {
		return fmt.Errorf("provision: finish: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	_, err = tx.Exec(ctx, `UPDATE prov_queue SET lease_owner = '', lease_until = 0, last_error = '', last_status = 0
WHERE app_id = ? AND kind = ? AND subject_id = ? AND lease_owner = ?`, l.AppID, l.Kind, l.SubjectID, owner)
	if err != nil {
		return fmt.Errorf("provision: release: %w", err)
	}
	return nil
}

// retryLater records a failed attempt and when to try again. A key
// re-marked meanwhile keeps its (earlier) due time.
func retryLater(ctx context.Context, tx *sqlstore.Tx, owner string, l leased, due time.Time, status int, msg string) error {
	if len(msg) > 500 {
		msg = msg[:500]
	}
	_, err := tx.Exec(ctx, `UPDATE prov_queue SET lease_owner = '', lease_until = 0, last_error = ?, last_status = ?,
attempts = CASE WHEN generation = ? THEN attempts + 1 ELSE attempts END,
due_at = CASE WHEN generation = ? THEN ? ELSE due_at END
WHERE app_id = ? AND kind = ? AND subject_id = ? AND lease_owner = ?`,
		msg, status, l.Generation, l.Generation, sqlstore.TimeValue(due), l.AppID, l.Kind, l.SubjectID, owner)
	if err != nil {
		return fmt.Errorf("provision: retry: %w", err)
	}
	return nil
}

// Status is an integration's sync health.
type Status struct {
	AppID      string     `json:"appId"`
	Active     bool       `json:"active"`
	State      string     `json:"state"` // "healthy", "backing_off", "stalled", "inactive"
	QueueDepth int        `json:"queueDepth"`
	Failing    int        `json:"failing"`
	LastError  string     `json:"lastError,omitempty"`
	NextRetry  *time.Time `json:"nextRetry,omitempty"`
}

// stalledAttempts is the attempt count from which a key is reported stalled.
const stalledAttempts = 8

// QueueStatus reads the queue of one application.
func QueueStatus(ctx context.Context, st *sqlstore.Store, appID string, now time.Time) (*Status, error) {
	s := &Status{AppID: appID}
	err := st.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		var active int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(active), 0) FROM app_idm WHERE app_id = ?`, appID).Scan(&active); err != nil {
			return fmt.Errorf("provision: status: %w", err)
		}
		s.Active = active != 0
		var maxAttempts int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0), COALESCE(MAX(attempts), 0)
FROM prov_queue WHERE app_id = ?`, appID).Scan(&s.QueueDepth, &s.Failing, &maxAttempts); err != nil {
			return fmt.Errorf("provision: status: %w", err)
		}
		if s.Failing > 0 {
			var due int64
			if err := tx.QueryRow(ctx, `SELECT last_error, due_at FROM prov_queue WHERE app_id = ? AND attempts > 0
ORDER BY attempts DESC, due_at LIMIT 1`, appID).Scan(&s.LastError, &due); err != nil {
				return fmt.Errorf("provision: status: %w", err)
			}
			t := sqlstore.TimeOf(due)
			s.NextRetry = &t
		}
		switch {
		case !s.Active:
			s.State = "inactive"
		case maxAttempts >= stalledAttempts:
			s.State = "stalled"
		case s.Failing > 0:
			s.State = "backing_off"
		default:
			s.State = "healthy"
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

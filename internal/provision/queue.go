package provision

import (
	"context"
	"fmt"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Key kinds.
const (
	KindUser  = "user"
	KindGroup = "group"
)

// Key names one reconcilable subject of one application.
type Key struct {
	AppID     string `json:"appId"`
	Kind      string `json:"kind"`
	SubjectID string `json:"subjectId"`
}

// markKey makes a key dirty: due now, generation bumped, attempts reset.
func markKey(ctx context.Context, tx *sqlstore.Tx, k Key, now time.Time) error {
	return markKeyMode(ctx, tx, k, now, false)
}

// markKeyMode with soft set bumps the generation of a queued key but keeps
// its due time and attempts, so a periodic full reconcile never cuts a
// backoff short.
func markKeyMode(ctx context.Context, tx *sqlstore.Tx, k Key, now time.Time, soft bool) error {
	q := `INSERT INTO prov_queue (app_id, kind, subject_id, generation, due_at) VALUES (?, ?, ?, 1, ?)
ON CONFLICT (app_id, kind, subject_id) DO UPDATE SET generation = prov_queue.generation + 1, due_at = excluded.due_at, attempts = 0`
	if soft {
		q = `INSERT INTO prov_queue (app_id, kind, subject_id, generation, due_at) VALUES (?, ?, ?, 1, ?)
ON CONFLICT (app_id, kind, subject_id) DO UPDATE SET generation = prov_queue.generation + 1`
	}
	if _, err := tx.Exec(ctx, q, k.AppID, k.Kind, k.SubjectID, sqlstore.TimeValue(now)); err != nil {
		return fmt.Errorf("provision: mark %s %s: %w", k.Kind, k.SubjectID, err)
	}
	return nil
}

// markQuery marks (app, kind, id) for each row (app_id, id) of q.
func markQuery(ctx context.Context, tx *sqlstore.Tx, kind string, now time.Time, q string, args ...any) error {
	return markQueryMode(ctx, tx, kind, now, false, q, args...)
}

func markQueryMode(ctx context.Context, tx *sqlstore.Tx, kind string, now time.Time, soft bool, q string, args ...any) error {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("provision: select keys: %w", err)
	}
	var keys []Key
	for rows.Next() {
		k := Key{Kind: kind}
		if err := rows.Scan(&k.AppID, &k.SubjectID); err != nil {
			rows.Close()
			return fmt.Errorf("provision: scan keys: %w", err)
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("provision: select keys: %w", err)
	}
	for _, k := range keys {
		if err := markKeyMode(ctx, tx, k, now, soft); err != nil {
			return err
		}
	}
	return nil
}

const activeApps = `SELECT app_id FROM app_idm WHERE active = 1`

// markApp marks every key an application may need: members of bound
// groups, bound groups, and every linked subject.
func markApp(ctx context.Context, tx *sqlstore.Tx, appID string, now time.Time) error {
	return markAppMode(ctx, tx, appID, now, false)
}

// markAppMode is markApp; soft keeps the backoff of queued keys.
func markAppMode(ctx context.Context, tx *sqlstore.Tx, appID string, now time.Time, soft bool) error {
	if err := markQueryMode(ctx, tx, KindUser, now, soft, `SELECT DISTINCT ag.app_id, gm.user_id FROM app_groups ag
JOIN group_members gm ON gm.group_id = ag.group_id WHERE ag.app_id = ?`, appID); err != nil {
		return err
	}
	if err := markQueryMode(ctx, tx, KindGroup, now, soft, `SELECT app_id, group_id FROM app_groups WHERE app_id = ?`, appID); err != nil {
		return err
	}
	if err := markQueryMode(ctx, tx, KindUser, now, soft, `SELECT app_id, subject_id FROM prov_links WHERE app_id = ? AND kind = 'user'`, appID); err != nil {
		return err
	}
	return markQueryMode(ctx, tx, KindGroup, now, soft, `SELECT app_id, subject_id FROM prov_links WHERE app_id = ? AND kind = 'group'`, appID)
}

// Marker turns committed directory changes into dirty keys.
type Marker struct {
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Effect is a lifecycle.Effect: it marks, in the mutation's own
// transaction, the keys of active integrations that the changes affect.
// tx must be a *sqlstore.Tx.
func (mk *Marker) Effect(ctx context.Context, dtx directory.Tx, changes []directory.Change) error {
	tx, ok := dtx.(*sqlstore.Tx)
	if !ok {
		return fmt.Errorf("provision: marker needs a *sqlstore.Tx, got %T", dtx)
	}
	now := time.Now().UTC()
	if mk.Now != nil {
		now = mk.Now().UTC()
	}
	for _, c := range changes {
		if err := markChange(ctx, tx, c, now); err != nil {
			return err
		}
	}
	return nil
}

func markChange(ctx context.Context, tx *sqlstore.Tx, c directory.Change, now time.Time) error {
	switch c.Kind {
	case directory.UserCreated, directory.UserUpdated, directory.UserDeleted:
		// Apps binding one of the user's groups, and apps where the user is linked.
		if err := markQuery(ctx, tx, KindUser, now, `SELECT DISTINCT ag.app_id, gm.user_id FROM group_members gm
JOIN app_groups ag ON ag.group_id = gm.group_id WHERE gm.user_id = ? AND ag.app_id IN (`+activeApps+`)`, c.ResourceID); err != nil {
			return err
		}
		return markQuery(ctx, tx, KindUser, now, `SELECT app_id, subject_id FROM prov_links
WHERE kind = 'user' AND subject_id = ? AND app_id IN (`+activeApps+`)`, c.ResourceID)
	case directory.MemberAdded, directory.MemberRemoved:
		if err := markQuery(ctx, tx, KindGroup, now, `SELECT app_id, group_id FROM app_groups
WHERE group_id = ? AND app_id IN (`+activeApps+`)`, c.ResourceID); err != nil {
			return err
		}
		return markQuery(ctx, tx, KindUser, now, `SELECT app_id, CAST(? AS TEXT) FROM app_groups
WHERE group_id = ? AND app_id IN (`+activeApps+`)`, c.RelatedID, c.ResourceID)
	case directory.GroupUpdated:
		return markQuery(ctx, tx, KindGroup, now, `SELECT app_id, group_id FROM app_groups
WHERE group_id = ? AND app_id IN (`+activeApps+`)`, c.ResourceID)
	case directory.GroupDeleted:
		// Bindings and memberships are gone: the links say where the group
		// was; every linked user of those apps is re-checked.
		if err := markQuery(ctx, tx, KindGroup, now, `SELECT app_id, subject_id FROM prov_links
WHERE kind = 'group' AND subject_id = ? AND app_id IN (`+activeApps+`)`, c.ResourceID); err != nil {
			return err
		}
		return markQuery(ctx, tx, KindUser, now, `SELECT l.app_id, l.subject_id FROM prov_links l
JOIN prov_links g ON g.app_id = l.app_id AND g.kind = 'group' AND g.subject_id = ?
WHERE l.kind = 'user' AND l.app_id IN (`+activeApps+`)`, c.ResourceID)
	case directory.AppGroupBound, directory.AppGroupUnbound:
		if err := markQuery(ctx, tx, KindUser, now, `SELECT a.app_id, gm.user_id FROM group_members gm
JOIN app_idm a ON a.app_id = ? AND a.active = 1 WHERE gm.group_id = ?`, c.ResourceID, c.RelatedID); err != nil {
			return err
		}
		if c.Kind == directory.AppGroupBound {
			return markQuery(ctx, tx, KindGroup, now, `SELECT app_id, CAST(? AS TEXT) FROM app_idm WHERE app_id = ? AND active = 1`, c.RelatedID, c.ResourceID)
		}
	}
	return nil
}

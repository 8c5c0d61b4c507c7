package provision

import (
	"context"
	"errors"
	"fmt"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// MarkAll is the periodic full reconcile of every active integration. For
// each one it marks every group key, and the user keys that differ from
// the application: when the connector compares users (UserComparer), one
// paged listing of the app's users is compared with the directory and only
// the users that differ (or that the listing lacks) are marked; otherwise
// every user key is marked. Marks are soft: keys already backing off keep
// their due time. An integration whose listing fails is left as it is and
// its error returned (joined with the others'); the rest go on.
func (e *Engine) MarkAll(ctx context.Context) error {
	var ids []string
	err := e.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(ctx, activeApps)
		if err != nil {
			return fmt.Errorf("provision: list integrations: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return fmt.Errorf("provision: list integrations: %w", err)
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		if err := e.fullReconcile(ctx, id); err != nil {
			errs = append(errs, fmt.Errorf("provision: full reconcile of %s: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// errNoCompare says the connector cannot compare users without requests.
var errNoCompare = errors.New("provision: connector does not compare users")

// fullReconcile marks the keys of one integration that a full reconcile
// must work.
func (e *Engine) fullReconcile(ctx context.Context, appID string) error {
	drifted, err := e.userDrift(ctx, appID)
	everyUser := errors.Is(err, errNoCompare)
	if err != nil && !everyUser {
		return err
	}
	now := e.now()
	return e.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		if everyUser {
			return markAppMode(ctx, tx, appID, now, true)
		}
		for _, id := range drifted {
			if err := markKeyMode(ctx, tx, Key{AppID: appID, Kind: KindUser, SubjectID: id}, now, true); err != nil {
				return err
			}
		}
		if err := markQueryMode(ctx, tx, KindGroup, now, true, `SELECT app_id, group_id FROM app_groups WHERE app_id = ?`, appID); err != nil {
			return err
		}
		return markQueryMode(ctx, tx, KindGroup, now, true, `SELECT app_id, subject_id FROM prov_links WHERE app_id = ? AND kind = 'group'`, appID)
	})
}

// wantUser is what the directory wants of one user of one application.
type wantUser struct {
	desired connector.User
	exists  bool   // the directory user exists
	bound   bool   // a member of a group bound to the app
	remote  string // the linked application id, "" when none
	seen    bool   // the listing held the linked account
	inSync  bool   // ...and it needs nothing
}

// needsAccount tells whether the user must have an active account.
func (w *wantUser) needsAccount() bool { return w.exists && w.bound && w.desired.Active }

// drifted tells whether reconcileUser would do anything for w.
func (w *wantUser) drifted() bool {
	switch {
	case !w.exists:
		return w.remote != ""
	case w.remote == "":
		return w.needsAccount()
	default:
		return !w.seen || !w.inSync
	}
}

// userDrift lists the app's users once and returns the directory ids of
// the users whose key reconcileUser would act on: a bound active user with
// no account, a linked account that is missing, differs or is active when
// it should not be, and links of deleted users.
func (e *Engine) userDrift(ctx context.Context, appID string) ([]string, error) {
	ac, err := e.appConn(ctx, appID)
	if err != nil {
		return nil, err
	}
	cmp, ok := ac.conn.(connector.UserComparer)
	if !ok {
		return nil, errNoCompare
	}
	want, byRemote, err := e.wantUsers(ctx, appID)
	if err != nil {
		return nil, err
	}
	err = ac.conn.ListUsers(ctx, func(ru connector.RemoteUser) error {
		w := want[byRemote[ru.ID]]
		if w == nil || ru.ID == "" {
			return nil
		}
		w.seen = true
		if w.needsAccount() {
			w.inSync = cmp.UserInSync(w.desired, &ru)
		} else {
			w.inSync = !ru.Active
		}
		return nil
	})
	if err != nil {
		ev := Event{Name: EvUserLookup, AppID: appID, Initiator: "system"}
		ev.fill(err)
		ev.Detail = "full reconcile: listing the application's users failed: " + ev.Detail
		e.record(ctx, ev)
		return nil, fmt.Errorf("list users: %w", err)
	}
	var ids []string
	for id, w := range want {
		if w.drifted() {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// wantUsers reads, in one read transaction, the members of the app's bound
// groups and every linked user: wanted states by directory id, and
// directory ids by linked application id.
func (e *Engine) wantUsers(ctx context.Context, appID string) (map[string]*wantUser, map[string]string, error) {
	want := map[string]*wantUser{}
	byRemote := map[string]string{}
	err := e.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(ctx, `SELECT u.id, u.username, u.email, u.firstname, u.lastname, u.employee_id, u.display_name, u.state
FROM users u WHERE u.id IN (SELECT gm.user_id FROM group_members gm JOIN app_groups ag ON ag.group_id = gm.group_id WHERE ag.app_id = ?)`, appID)
		if err != nil {
			return fmt.Errorf("provision: read bound users: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, username, email, first, last, emp, disp, state string
			if err := rows.Scan(&id, &username, &email, &first, &last, &emp, &disp, &state); err != nil {
				return fmt.Errorf("provision: read bound users: %w", err)
			}
			want[id] = &wantUser{desired: desiredUser(id, username, email, first, last, emp, disp, state), exists: true, bound: true}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("provision: read bound users: %w", err)
		}
		links, err := tx.Query(ctx, `SELECT l.subject_id, l.remote_id, CASE WHEN u.id IS NULL THEN 0 ELSE 1 END, COALESCE(u.state, '')
FROM prov_links l LEFT JOIN users u ON u.id = l.subject_id WHERE l.app_id = ? AND l.kind = 'user'`, appID)
		if err != nil {
			return fmt.Errorf("provision: read links: %w", err)
		}
		defer links.Close()
		for links.Next() {
			var id, remote, state string
			var exists int
			if err := links.Scan(&id, &remote, &exists, &state); err != nil {
				return fmt.Errorf("provision: read links: %w", err)
			}
			w := want[id]
			if w == nil {
				// Linked but not bound: the account must be inactive
				// (or gone, when the user is deleted).
				w = &wantUser{exists: exists == 1, desired: connector.User{ExternalKey: id,
					Active: directory.UserState(state) == directory.UserActivated}}
				want[id] = w
			}
			w.remote = remote
			if remote != "" {
				byRemote[remote] = id
			}
		}
		return links.Err()
	})
	if err != nil {
		return nil, nil, err
	}
	return want, byRemote, nil
}

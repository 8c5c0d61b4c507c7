package provision

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// userView is what the directory says about one user for one app.
type userView struct {
	exists  bool
	bound   bool // member of a group bound to the app
	desired connector.User
	link    string
}

func readLink(ctx context.Context, tx *sqlstore.Tx, appID, kind, id string) (string, error) {
	var remote string
	err := tx.QueryRow(ctx, `SELECT remote_id FROM prov_links WHERE app_id = ? AND kind = ? AND subject_id = ?`, appID, kind, id).Scan(&remote)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("provision: read link: %w", err)
	}
	return remote, nil
}

func setLink(ctx context.Context, tx *sqlstore.Tx, appID, kind, id, remote string, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO prov_links (app_id, kind, subject_id, remote_id, last_synced) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (app_id, kind, subject_id) DO UPDATE SET remote_id = excluded.remote_id, last_synced = excluded.last_synced`,
		appID, kind, id, remote, sqlstore.TimeValue(now))
	if err != nil {
		return fmt.Errorf("provision: save link: %w", err)
	}
	return nil
}

func deleteLink(ctx context.Context, tx *sqlstore.Tx, appID, kind, id string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM prov_links WHERE app_id = ? AND kind = ? AND subject_id = ?`, appID, kind, id); err != nil {
		return fmt.Errorf("provision: delete link: %w", err)
	}
	return nil
}

// desiredUser maps a directory user to the application's attributes, as
// the guide's attribute mapping says.
func desiredUser(id, username, email, first, last, employee, display, state string) connector.User {
	return connector.User{ExternalKey: id, UserName: username, Email: email, GivenName: first, FamilyName: last,
		EmployeeID: employee, DisplayName: display, Active: directory.UserState(state) == directory.UserActivated}
}

func (e *Engine) viewUser(ctx context.Context, appID, userID string) (*userView, error) {
	v := &userView{}
	err := e.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		var username, email, first, last, emp, disp, state string
		err := tx.QueryRow(ctx, `SELECT username, email, firstname, lastname, employee_id, display_name, state FROM users WHERE id = ?`, userID).
			Scan(&username, &email, &first, &last, &emp, &disp, &state)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("provision: read user: %w", err)
		default:
			v.exists = true
			v.desired = desiredUser(userID, username, email, first, last, emp, disp, state)
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM group_members gm JOIN app_groups ag ON ag.group_id = gm.group_id
WHERE gm.user_id = ? AND ag.app_id = ?`, userID, appID).Scan(&n); err != nil {
				return fmt.Errorf("provision: read bindings: %w", err)
			}
			v.bound = n > 0
		}
		v.link, err = readLink(ctx, tx, appID, KindUser, userID)
		return err
	})
	return v, err
}

// markUserGroups re-marks the app's bound groups of a user whose account
// appeared or changed state, so memberships follow.
func markUserGroups(ctx context.Context, tx *sqlstore.Tx, appID, userID string, now time.Time) error {
	return markQuery(ctx, tx, KindGroup, now, `SELECT ag.app_id, ag.group_id FROM app_groups ag
JOIN group_members gm ON gm.group_id = ag.group_id WHERE ag.app_id = ? AND gm.user_id = ?`, appID, userID)
}

// reconcileUser brings one user of one app to the desired state. The
// returned func records the result in the outcome transaction.
func (e *Engine) reconcileUser(ctx context.Context, ac *appConn, userID string) (func(*sqlstore.Tx) error, error) {
	v, err := e.viewUser(ctx, ac.appID, userID)
	if err != nil {
		return nil, err
	}
	c := ac.conn
	ev := func(name, remote string, err error, changes []connector.FieldChange) {
		x := Event{Name: name, AppID: ac.appID, Subject: KindUser, SubjectID: userID, RemoteID: remote, Changes: changes, Initiator: "system"}
		x.fill(err)
		e.record(ctx, x)
	}
	now := e.now()
	switch {
	case !v.exists:
		if v.link == "" {
			return nil, nil
		}
		err := c.DeleteUser(ctx, v.link)
		if connector.IsNotFound(err) {
			err = nil
		}
		ev(EvUserDelete, v.link, err, nil)
		if err != nil {
			return nil, err
		}
		return func(tx *sqlstore.Tx) error { return deleteLink(ctx, tx, ac.appID, KindUser, userID) }, nil
	case !v.bound || !v.desired.Active:
		if v.link == "" {
			return nil, nil
		}
		cur, err := c.GetUser(ctx, v.link)
		if connector.IsNotFound(err) {
			return func(tx *sqlstore.Tx) error { return deleteLink(ctx, tx, ac.appID, KindUser, userID) }, nil
		}
		if err != nil {
			ev(EvUserLookup, v.link, err, nil)
			return nil, err
		}
		if !cur.Active {
			return nil, nil
		}
		err = c.SetActive(ctx, v.link, false)
		ev(EvUserDeprovision, v.link, err, []connector.FieldChange{{Field: "active", From: "true", To: "false"}})
		if err != nil {
			return nil, err
		}
		return func(tx *sqlstore.Tx) error {
			if err := setLink(ctx, tx, ac.appID, KindUser, userID, v.link, now); err != nil {
				return err
			}
			return markUserGroups(ctx, tx, ac.appID, userID, now)
		}, nil
	}
	// The user must exist and be active.
	var cur *connector.RemoteUser
	if v.link != "" {
		cur, err = c.GetUser(ctx, v.link)
		if connector.IsNotFound(err) {
			cur, err = nil, nil
		}
		if err != nil {
			ev(EvUserLookup, v.link, err, nil)
			return nil, err
		}
	}
	created := false
	if cur == nil {
		cur, created, err = e.findOrCreate(ctx, ac, v.desired, ev)
		if err != nil {
			return nil, err
		}
	}
	wasActive := cur.Active
	if !created {
		next, changes, err := c.UpdateUser(ctx, cur.ID, v.desired, cur)
		if err != nil || len(changes) > 0 {
			ev(EvUserUpdate, cur.ID, err, changes)
		}
		if err != nil {
			return nil, err
		}
		if next != nil {
			cur = next
		}
	}
	remote := cur.ID
	stateChanged := created || !wasActive || v.link != remote
	return func(tx *sqlstore.Tx) error {
		if err := setLink(ctx, tx, ac.appID, KindUser, userID, remote, now); err != nil {
			return err
		}
		if stateChanged {
			return markUserGroups(ctx, tx, ac.appID, userID, now)
		}
		return nil
	}, nil
}

// findOrCreate looks the user up by email and creates them when absent. A
// deactivated account holding the email that no directory user is linked
// to is released first (when the connector can), then a new account made.
func (e *Engine) findOrCreate(ctx context.Context, ac *appConn, want connector.User, ev func(string, string, error, []connector.FieldChange)) (*connector.RemoteUser, bool, error) {
	c := ac.conn
	found, err := c.FindUserByEmail(ctx, want.Email)
	if err != nil {
		ev(EvUserLookup, "", err, nil)
		return nil, false, err
	}
	if found != nil && !found.Active {
		if rel, ok := c.(connector.EmailReleaser); ok {
			linked, err := e.remoteLinked(ctx, ac.appID, found.ID)
			if err != nil {
				return nil, false, err
			}
			if !linked {
				if _, err := rel.ReleaseEmail(ctx, want.Email); err != nil {
					ev(EvUserUpdate, found.ID, err, []connector.FieldChange{{Field: "emails", From: want.Email, To: "released"}})
					return nil, false, err
				}
				found = nil
			}
		}
	}
	if found != nil {
		return found, false, nil
	}
	u, err := c.CreateUser(ctx, want)
	if connector.IsConflict(err) {
		again, err2 := c.FindUserByEmail(ctx, want.Email)
		if err2 == nil && again != nil {
			return again, false, nil
		}
	}
	ev(EvUserCreate, idOf(u), err, createdFields(want))
	if err != nil {
		return nil, false, err
	}
	return u, true, nil
}

// createdFields lists the SCIM attributes a create sends, for its event.
func createdFields(u connector.User) []connector.FieldChange {
	var out []connector.FieldChange
	add := func(field, v string) {
		if v != "" {
			out = append(out, connector.FieldChange{Field: field, To: v})
		}
	}
	add("emails", u.Email)
	add("name.givenName", u.GivenName)
	add("name.familyName", u.FamilyName)
	add("displayName", u.DisplayName)
	add("externalId", u.EmployeeID)
	add("active", strconv.FormatBool(u.Active))
	return out
}

func idOf(u *connector.RemoteUser) string {
	if u == nil {
		return ""
	}
	return u.ID
}

// remoteLinked reports whether some directory user is linked to remote.
func (e *Engine) remoteLinked(ctx context.Context, appID, remote string) (bool, error) {
	var n int
	err := e.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM prov_links WHERE app_id = ? AND kind = 'user' AND remote_id = ?`, appID, remote).Scan(&n)
	})
	if err != nil {
		return false, fmt.Errorf("provision: read links: %w", err)
	}
	return n > 0, nil
}

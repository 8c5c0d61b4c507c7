package provision

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

type groupView struct {
	exists  bool
	bound   bool
	name    string
	members []string // app ids of the active, provisioned members, sorted
	active  int      // active directory members, provisioned or not
	link    string
}

func (e *Engine) viewGroup(ctx context.Context, appID, groupID string) (*groupView, error) {
	v := &groupView{}
	err := e.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		err := tx.QueryRow(ctx, `SELECT name FROM groups WHERE id = ?`, groupID).Scan(&v.name)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("provision: read group: %w", err)
		default:
			v.exists = true
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM app_groups WHERE app_id = ? AND group_id = ?`, appID, groupID).Scan(&n); err != nil {
				return fmt.Errorf("provision: read binding: %w", err)
			}
			v.bound = n > 0
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM group_members gm JOIN users u ON u.id = gm.user_id AND u.state = 'activated'
WHERE gm.group_id = ?`, groupID).Scan(&v.active); err != nil {
				return fmt.Errorf("provision: read members: %w", err)
			}
			rows, err := tx.Query(ctx, `SELECT l.remote_id FROM group_members gm
JOIN users u ON u.id = gm.user_id AND u.state = 'activated'
JOIN prov_links l ON l.app_id = ? AND l.kind = 'user' AND l.subject_id = gm.user_id
WHERE gm.group_id = ?`, appID, groupID)
			if err != nil {
				return fmt.Errorf("provision: read members: %w", err)
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return fmt.Errorf("provision: read members: %w", err)
				}
				v.members = append(v.members, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("provision: read members: %w", err)
			}
			slices.Sort(v.members)
		}
		v.link, err = readLink(ctx, tx, appID, KindGroup, groupID)
		return err
	})
	return v, err
}

// reconcileGroup brings one group of one app to the desired state.
func (e *Engine) reconcileGroup(ctx context.Context, ac *appConn, groupID string) (func(*sqlstore.Tx) error, error) {
	c := ac.conn
	if p, ok := c.(connector.Profile); !ok || !p.GroupsSupported() || !ac.settings.GroupsEnabled {
		return nil, nil // group management off: groups stay as they are
	}
	v, err := e.viewGroup(ctx, ac.appID, groupID)
	if err != nil {
		return nil, err
	}
	ev := func(name, remote string, err error, changes []connector.FieldChange) {
		x := Event{Name: name, AppID: ac.appID, Subject: KindGroup, SubjectID: groupID, RemoteID: remote, Changes: changes, Initiator: "system"}
		x.fill(err)
		e.record(ctx, x)
	}
	now := e.now()
	drop := func(tx *sqlstore.Tx) error { return deleteLink(ctx, tx, ac.appID, KindGroup, groupID) }
	if !v.exists {
		if v.link == "" {
			return nil, nil
		}
		err := c.DeleteGroup(ctx, v.link)
		if connector.IsNotFound(err) {
			err = nil
		}
		ev(EvGroupDelete, v.link, err, nil)
		if err != nil {
			return nil, err
		}
		return drop, nil
	}
	if !v.bound {
		return nil, nil // unbound: stops syncing, stays as it is in the app
	}
	var cur *connector.RemoteGroup
	if v.link != "" {
		cur, err = c.GetGroup(ctx, v.link)
		if connector.IsNotFound(err) {
			cur, err = nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	if cur == nil {
		cur, err = connector.FindGroupByName(ctx, c, v.name)
		if err != nil {
			return nil, err
		}
	}
	want := connector.Group{DisplayName: v.name, MemberIDs: v.members}
	if cur == nil {
		if len(v.members) == 0 {
			if v.link != "" {
				return drop, nil
			}
			return nil, nil // empty groups are not created
		}
		g, err := c.CreateGroup(ctx, want)
		remote := ""
		if g != nil {
			remote = g.ID
		}
		ev(EvGroupCreate, remote, err, []connector.FieldChange{{Field: "displayName", To: v.name}})
		if err != nil {
			return nil, err
		}
		return func(tx *sqlstore.Tx) error { return setLink(ctx, tx, ac.appID, KindGroup, groupID, remote, now) }, nil
	}
	have := slices.Clone(cur.MemberIDs)
	slices.Sort(have)
	var changes []connector.FieldChange
	if cur.DisplayName != v.name {
		changes = append(changes, connector.FieldChange{Field: "displayName", From: cur.DisplayName, To: v.name})
	}
	add, remove := diff(have, v.members)
	if len(add)+len(remove) > 0 {
		changes = append(changes, connector.FieldChange{Field: "members", From: fmt.Sprintf("%d", len(have)), To: fmt.Sprintf("%d", len(v.members))})
	}
	if len(changes) > 0 {
		err = e.updateGroup(ctx, c, cur.ID, want, cur.DisplayName != v.name, add, remove)
		ev(EvGroupUpdate, cur.ID, err, changes)
		if err != nil {
			return nil, err
		}
	}
	remote := cur.ID
	return func(tx *sqlstore.Tx) error { return setLink(ctx, tx, ac.appID, KindGroup, groupID, remote, now) }, nil
}

func (e *Engine) updateGroup(ctx context.Context, c connector.Connector, id string, want connector.Group, rename bool, add, remove []string) error {
	if r, ok := c.(connector.GroupReplacer); ok {
		return r.ReplaceGroup(ctx, id, want)
	}
	if rename {
		if err := c.RenameGroup(ctx, id, want.DisplayName); err != nil {
			return err
		}
	}
	if len(add)+len(remove) == 0 {
		return nil
	}
	if p, ok := c.(connector.GroupMemberPatcher); ok {
		return p.PatchMembers(ctx, id, add, remove)
	}
	return fmt.Errorf("provision: connector can neither replace nor patch groups")
}

// diff returns what is in want but not have, and in have but not want (both sorted).
func diff(have, want []string) (add, remove []string) {
	for _, w := range want {
		if _, ok := slices.BinarySearch(have, w); !ok {
			add = append(add, w)
		}
	}
	for _, h := range have {
		if _, ok := slices.BinarySearch(want, h); !ok {
			remove = append(remove, h)
		}
	}
	return add, remove
}

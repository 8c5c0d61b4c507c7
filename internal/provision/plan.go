package provision

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// PlanItem is one call the engine would make.
type PlanItem struct {
	Action    string `json:"action"` // create, update, deactivate, delete
	Kind      string `json:"kind"`   // user, group
	SubjectID string `json:"subjectId"`
	Name      string `json:"name"`
	RemoteID  string `json:"remoteId,omitempty"`
}

// Plan is a dry run: what a full reconcile would change in the application.
type Plan struct {
	AppID string     `json:"appId"`
	Items []PlanItem `json:"items"`
}

type planUser struct {
	id     string
	want   connector.User
	bound  bool
	exists bool
	link   string
}

// Plan reads the directory and the application (reads only) and lists the
// creates, updates, deactivations and deletions a full reconcile would make.
func (e *Engine) Plan(ctx context.Context, appID string) (*Plan, error) {
	ac, err := e.appConn(ctx, appID)
	if err != nil {
		return nil, err
	}
	var users []planUser
	err = e.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(ctx, `SELECT u.id, u.username, u.email, u.firstname, u.lastname, u.employee_id, u.display_name, u.state,
CASE WHEN EXISTS (SELECT 1 FROM group_members gm JOIN app_groups ag ON ag.group_id = gm.group_id WHERE gm.user_id = u.id AND ag.app_id = ?) THEN 1 ELSE 0 END,
COALESCE((SELECT remote_id FROM prov_links l WHERE l.app_id = ? AND l.kind = 'user' AND l.subject_id = u.id), '')
FROM users u ORDER BY u.id`, appID, appID)
		if err != nil {
			return fmt.Errorf("provision: plan: %w", err)
		}
		for rows.Next() {
			var p planUser
			var un, em, fn, ln, emp, dn, st string
			var bound int
			if err := rows.Scan(&p.id, &un, &em, &fn, &ln, &emp, &dn, &st, &bound, &p.link); err != nil {
				rows.Close()
				return fmt.Errorf("provision: plan: %w", err)
			}
			p.want, p.bound, p.exists = desiredUser(p.id, un, em, fn, ln, emp, dn, st), bound == 1, true
			if p.bound || p.link != "" {
				users = append(users, p)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("provision: plan: %w", err)
		}
		// Linked users no longer in the directory.
		rows, err = tx.Query(ctx, `SELECT subject_id, remote_id FROM prov_links l WHERE app_id = ? AND kind = 'user'
AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = l.subject_id) ORDER BY subject_id`, appID)
		if err != nil {
			return fmt.Errorf("provision: plan: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var p planUser
			if err := rows.Scan(&p.id, &p.link); err != nil {
				return fmt.Errorf("provision: plan: %w", err)
			}
			users = append(users, p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	byEmail, byID := map[string]connector.RemoteUser{}, map[string]connector.RemoteUser{}
	if err := ac.conn.ListUsers(ctx, func(u connector.RemoteUser) error {
		byEmail[strings.ToLower(u.Email)], byID[u.ID] = u, u
		return nil
	}); err != nil {
		return nil, err
	}
	plan := &Plan{AppID: appID, Items: []PlanItem{}}
	for _, p := range users {
		cur, ok := byID[p.link]
		if !ok && p.exists {
			cur, ok = byEmail[strings.ToLower(p.want.Email)]
		}
		item := PlanItem{Kind: KindUser, SubjectID: p.id, Name: p.want.Email, RemoteID: cur.ID}
		switch {
		case !p.exists:
			if ok {
				item.Action = "delete"
			}
		case !p.bound || !p.want.Active:
			if ok && cur.Active {
				item.Action = "deactivate"
			}
		case !ok || (!cur.Active && p.link == ""):
			item.Action = "create"
		case userDiffers(p.want, cur):
			item.Action = "update"
		}
		if item.Action != "" {
			plan.Items = append(plan.Items, item)
		}
	}
	if ac.settings.GroupsEnabled {
		if err := e.planGroups(ctx, ac, plan); err != nil {
			return nil, err
		}
	}
	return plan, nil
}

// userDiffers is a coarse comparison for the plan (the connector's own
// comparison decides at sync time).
func userDiffers(w connector.User, c connector.RemoteUser) bool {
	return !c.Active || !strings.EqualFold(w.Email, c.Email) || w.GivenName != c.GivenName || w.FamilyName != c.FamilyName
}

func (e *Engine) planGroups(ctx context.Context, ac *appConn, plan *Plan) error {
	type g struct{ id, name, link string }
	var bound, gone []g
	err := e.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(ctx, `SELECT gr.id, gr.name, COALESCE(l.remote_id, '') FROM app_groups ag JOIN groups gr ON gr.id = ag.group_id
LEFT JOIN prov_links l ON l.app_id = ag.app_id AND l.kind = 'group' AND l.subject_id = gr.id WHERE ag.app_id = ? ORDER BY gr.id`, ac.appID)
		if err != nil {
			return fmt.Errorf("provision: plan groups: %w", err)
		}
		for rows.Next() {
			var x g
			if err := rows.Scan(&x.id, &x.name, &x.link); err != nil {
				rows.Close()
				return fmt.Errorf("provision: plan groups: %w", err)
			}
			bound = append(bound, x)
		}
		rows.Close()
		rows, err = tx.Query(ctx, `SELECT subject_id, remote_id FROM prov_links l WHERE app_id = ? AND kind = 'group'
AND NOT EXISTS (SELECT 1 FROM groups gr WHERE gr.id = l.subject_id)`, ac.appID)
		if err != nil {
			return fmt.Errorf("provision: plan groups: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var x g
			if err := rows.Scan(&x.id, &x.link); err != nil {
				return fmt.Errorf("provision: plan groups: %w", err)
			}
			gone = append(gone, x)
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	remote := map[string]connector.RemoteGroup{}
	byName := map[string]connector.RemoteGroup{}
	if err := ac.conn.ListGroups(ctx, func(rg connector.RemoteGroup) error {
		remote[rg.ID], byName[rg.DisplayName] = rg, rg
		return nil
	}); err != nil {
		return err
	}
	for _, x := range bound {
		v, err := e.viewGroup(ctx, ac.appID, x.id)
		if err != nil {
			return err
		}
		cur, ok := remote[x.link]
		if !ok {
			cur, ok = byName[x.name]
		}
		item := PlanItem{Kind: KindGroup, SubjectID: x.id, Name: x.name, RemoteID: cur.ID}
		have := slices.Clone(cur.MemberIDs)
		slices.Sort(have)
		switch {
		case !ok && v.active > 0:
			item.Action = "create"
		case ok && (cur.DisplayName != x.name || !slices.Equal(have, v.members)):
			item.Action = "update"
		}
		if item.Action != "" {
			plan.Items = append(plan.Items, item)
		}
	}
	for _, x := range gone {
		if _, ok := remote[x.link]; ok {
			plan.Items = append(plan.Items, PlanItem{Action: "delete", Kind: KindGroup, SubjectID: x.id, RemoteID: x.link})
		}
	}
	return nil
}

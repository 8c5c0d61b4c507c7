package lifecycle

import (
	"context"
	"sort"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// UserMayUseApp reports whether a user may sign in to an app: users are
// implicitly denied, so only an activated user who is a member of a group
// bound to the app may. An unknown user may not (no error).
func UserMayUseApp(ctx context.Context, tx directory.Tx, userID, appID string) (bool, error) {
	u, err := tx.GetUser(ctx, userID)
	if directory.ErrorCode(err) == directory.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !u.Active() {
		return false, nil
	}
	return tx.UserInAppGroups(ctx, userID, appID)
}

// Bindings is the result of a binding change: the group (or app) ids bound
// and unbound by the call, and the resulting set.
type Bindings struct {
	Bound   []string `json:"bound"`
	Unbound []string `json:"unbound"`
	IDs     []string `json:"ids"`
}

func bindingChange(actor directory.Actor, kind directory.ChangeKind, a *directory.App, groupID string, now time.Time) directory.Change {
	c := appChange(actor, kind, a, now, nil)
	c.RelatedID = groupID
	return c
}

// BindGroups binds groups to an app, authorizing their members; one
// app.group_bound change per new binding. ENOTFOUND for an unknown app or
// group, and then nothing is bound.
func (s *Service) BindGroups(ctx context.Context, actor directory.Actor, appID string, groupIDs []string) (*Bindings, error) {
	if err := checkAppIDs("groupIds", groupIDs, false); err != nil {
		return nil, err
	}
	return s.changeBindings(ctx, actor, appID, func(cur []string) ([]string, []string) { return groupIDs, nil })
}

// UnbindGroups removes bindings; one app.group_unbound change each.
func (s *Service) UnbindGroups(ctx context.Context, actor directory.Actor, appID string, groupIDs []string) (*Bindings, error) {
	if err := checkAppIDs("groupIds", groupIDs, false); err != nil {
		return nil, err
	}
	return s.changeBindings(ctx, actor, appID, func(cur []string) ([]string, []string) { return nil, groupIDs })
}

// SetAppGroups makes the set of groups bound to an app exactly groupIDs
// (the User Groups tab), binding and unbinding in one transaction.
func (s *Service) SetAppGroups(ctx context.Context, actor directory.Actor, appID string, groupIDs []string) (*Bindings, error) {
	if err := checkAppIDs("groupIds", groupIDs, true); err != nil {
		return nil, err
	}
	want := uniqueIDs(groupIDs)
	return s.changeBindings(ctx, actor, appID, func(cur []string) ([]string, []string) {
		return want, minus(cur, want)
	})
}

func (s *Service) changeBindings(ctx context.Context, actor directory.Actor, appID string, plan func(cur []string) (bind, unbind []string)) (*Bindings, error) {
	out := &Bindings{Bound: []string{}, Unbound: []string{}}
	err := s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		out.Bound, out.Unbound = []string{}, []string{}
		a, err := tx.GetApp(ctx, appID)
		if err != nil {
			return nil, err
		}
		cur, err := tx.AppGroupIDs(ctx, appID)
		if err != nil {
			return nil, err
		}
		bind, unbind := plan(cur)
		now := s.now()
		var changes []directory.Change
		if len(bind) > 0 {
			if out.Bound, err = tx.BindGroups(ctx, appID, bind); err != nil {
				return nil, err
			}
			for _, g := range out.Bound {
				changes = append(changes, bindingChange(actor, directory.AppGroupBound, a, g, now))
			}
		}
		if len(unbind) > 0 {
			if out.Unbound, err = tx.UnbindGroups(ctx, appID, unbind); err != nil {
				return nil, err
			}
			for _, g := range out.Unbound {
				changes = append(changes, bindingChange(actor, directory.AppGroupUnbound, a, g, now))
			}
		}
		out.IDs, err = tx.AppGroupIDs(ctx, appID)
		return changes, err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SetGroupApps makes the set of apps a group is bound to exactly appIDs
// (authorizing from the group's side); the changes are the same
// app.group_bound and app.group_unbound records. ENOTFOUND for an unknown
// group or app, and then nothing changes.
func (s *Service) SetGroupApps(ctx context.Context, actor directory.Actor, groupID string, appIDs []string) (*Bindings, error) {
	if err := checkAppIDs("appIds", appIDs, true); err != nil {
		return nil, err
	}
	want := uniqueIDs(appIDs)
	out := &Bindings{}
	err := s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		out.Bound, out.Unbound = []string{}, []string{}
		if _, err := tx.GetGroup(ctx, groupID); err != nil {
			return nil, err
		}
		cur, err := tx.GroupAppIDs(ctx, groupID)
		if err != nil {
			return nil, err
		}
		now := s.now()
		var changes []directory.Change
		for _, appID := range want {
			a, err := tx.GetApp(ctx, appID)
			if err != nil {
				return nil, err
			}
			bound, err := tx.BindGroups(ctx, appID, []string{groupID})
			if err != nil {
				return nil, err
			}
			if len(bound) > 0 {
				out.Bound = append(out.Bound, appID)
				changes = append(changes, bindingChange(actor, directory.AppGroupBound, a, groupID, now))
			}
		}
		for _, appID := range minus(cur, want) {
			a, err := tx.GetApp(ctx, appID)
			if err != nil {
				return nil, err
			}
			if _, err := tx.UnbindGroups(ctx, appID, []string{groupID}); err != nil {
				return nil, err
			}
			out.Unbound = append(out.Unbound, appID)
			changes = append(changes, bindingChange(actor, directory.AppGroupUnbound, a, groupID, now))
		}
		out.IDs, err = tx.GroupAppIDs(ctx, groupID)
		return changes, err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// minus returns the elements of a not in b, sorted.
func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

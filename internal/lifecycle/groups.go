package lifecycle

import (
	"context"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

func groupChange(at directory.Actor, kind directory.ChangeKind, g *directory.Group, now time.Time, fields []directory.FieldChange) directory.Change {
	return directory.Change{At: now, Actor: at, Kind: kind, ResourceType: "group", ResourceID: g.ID, ResourceName: g.Name, Fields: fields}
}

// CreateGroup validates g and stores it with a new id. EINVALID names bad
// fields; ECONFLICT names a taken name.
func (s *Service) CreateGroup(ctx context.Context, actor directory.Actor, g directory.Group) (*directory.Group, error) {
	g.Normalize()
	if err := g.Validate(); err != nil {
		return nil, err
	}
	now := s.now()
	g.ID, g.CreatedAt, g.UpdatedAt, g.MemberCount = s.newID(), now, now, 0
	err := s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		if err := tx.CreateGroup(ctx, &g); err != nil {
			return nil, err
		}
		_, fields := directory.GroupUpdate{Name: &g.Name, Description: &g.Description}.Apply(directory.Group{})
		return []directory.Change{groupChange(actor, directory.GroupCreated, &g, now, fields)}, nil
	})
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// UpdateGroup applies a partial update; one that changes nothing writes
// nothing. ENOTFOUND, EINVALID, ECONFLICT.
func (s *Service) UpdateGroup(ctx context.Context, actor directory.Actor, id string, upd directory.GroupUpdate) (*directory.Group, error) {
	var out directory.Group
	err := s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		cur, err := tx.GetGroup(ctx, id)
		if err != nil {
			return nil, err
		}
		next, fields := upd.Apply(*cur)
		if err := next.Validate(); err != nil {
			return nil, err
		}
		if len(fields) == 0 {
			out = *cur
			return nil, nil
		}
		now := s.now()
		next.UpdatedAt = now
		if err := tx.UpdateGroup(ctx, &next); err != nil {
			return nil, err
		}
		out = next
		return []directory.Change{groupChange(actor, directory.GroupUpdated, &next, now, fields)}, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteGroup removes the group and its memberships. ENOTFOUND if absent.
func (s *Service) DeleteGroup(ctx context.Context, actor directory.Actor, id string) error {
	return s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		g, err := tx.GetGroup(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := tx.DeleteGroup(ctx, id); err != nil {
			return nil, err
		}
		return []directory.Change{groupChange(actor, directory.GroupDeleted, g, s.now(), nil)}, nil
	})
}

// AddMembers adds users to a group and returns the ids that were not
// members before; one member_added change is written for each. ENOTFOUND if
// the group or any user is unknown, and then nothing is added.
func (s *Service) AddMembers(ctx context.Context, actor directory.Actor, groupID string, userIDs []string) ([]string, error) {
	return s.members(ctx, actor, groupID, userIDs, true)
}

// RemoveMembers removes users from a group and returns the ids that were
// members; one member_removed change is written for each. ENOTFOUND if the
// group is unknown.
func (s *Service) RemoveMembers(ctx context.Context, actor directory.Actor, groupID string, userIDs []string) ([]string, error) {
	return s.members(ctx, actor, groupID, userIDs, false)
}

func (s *Service) members(ctx context.Context, actor directory.Actor, groupID string, userIDs []string, add bool) ([]string, error) {
	if err := checkIDs("userIds", userIDs); err != nil {
		return nil, err
	}
	var done []string
	err := s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		g, err := tx.GetGroup(ctx, groupID)
		if err != nil {
			return nil, err
		}
		kind := directory.MemberAdded
		if add {
			done, err = tx.AddMembers(ctx, groupID, userIDs)
		} else {
			kind = directory.MemberRemoved
			done, err = tx.RemoveMembers(ctx, groupID, userIDs)
		}
		if err != nil {
			return nil, err
		}
		now := s.now()
		changes := make([]directory.Change, 0, len(done))
		for _, uid := range done {
			changes = append(changes, directory.Change{At: now, Actor: actor, Kind: kind,
				ResourceType: "group", ResourceID: g.ID, ResourceName: g.Name, RelatedID: uid})
		}
		return changes, nil
	})
	if err != nil {
		return nil, err
	}
	if done == nil {
		done = []string{}
	}
	return done, nil
}

package lifecycle

import (
	"time"

	"context"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

func userChange(at directory.Actor, kind directory.ChangeKind, u *directory.User, now time.Time, fields []directory.FieldChange) directory.Change {
	return directory.Change{At: now, Actor: at, Kind: kind, ResourceType: "user", ResourceID: u.ID, ResourceName: u.Username, Fields: fields}
}

// CreateUser validates u and stores it with a new id; State defaults to
// activated. EINVALID names bad fields; ECONFLICT names a taken username,
// email or employeeIdentifier.
func (s *Service) CreateUser(ctx context.Context, actor directory.Actor, u directory.User) (*directory.User, error) {
	u.Normalize()
	if u.State == "" {
		u.State = directory.UserActivated
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	now := s.now()
	u.ID, u.CreatedAt, u.UpdatedAt = s.newID(), now, now
	err := s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		if err := tx.CreateUser(ctx, &u); err != nil {
			return nil, err
		}
		return []directory.Change{userChange(actor, directory.UserCreated, &u, now, directory.DiffUsers(directory.User{}, u))}, nil
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// UpdateUser applies a partial update. An update that changes no value
// writes nothing and returns the user as it is. ENOTFOUND, EINVALID and
// ECONFLICT as for CreateUser.
func (s *Service) UpdateUser(ctx context.Context, actor directory.Actor, id string, upd directory.UserUpdate) (*directory.User, error) {
	var out directory.User
	err := s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		cur, err := tx.GetUser(ctx, id)
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
		if err := tx.UpdateUser(ctx, &next); err != nil {
			return nil, err
		}
		out = next
		return []directory.Change{userChange(actor, directory.UserUpdated, &next, now, fields)}, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// SuspendUser sets the user's state to suspended (idempotent).
func (s *Service) SuspendUser(ctx context.Context, actor directory.Actor, id string) (*directory.User, error) {
	st := directory.UserSuspended
	return s.UpdateUser(ctx, actor, id, directory.UserUpdate{State: &st})
}

// ActivateUser sets the user's state to activated (idempotent).
func (s *Service) ActivateUser(ctx context.Context, actor directory.Actor, id string) (*directory.User, error) {
	st := directory.UserActivated
	return s.UpdateUser(ctx, actor, id, directory.UserUpdate{State: &st})
}

// DeleteUser removes the user and their memberships, recording a
// member_removed change for each group the user left and a user.deleted
// change. ENOTFOUND if absent.
func (s *Service) DeleteUser(ctx context.Context, actor directory.Actor, id string) error {
	return s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		u, err := tx.GetUser(ctx, id)
		if err != nil {
			return nil, err
		}
		groupIDs, err := tx.GroupIDsOfUser(ctx, id)
		if err != nil {
			return nil, err
		}
		now := s.now()
		var changes []directory.Change
		for _, gid := range groupIDs {
			g, err := tx.GetGroup(ctx, gid)
			if err != nil {
				return nil, err
			}
			changes = append(changes, directory.Change{At: now, Actor: actor, Kind: directory.MemberRemoved,
				ResourceType: "group", ResourceID: g.ID, ResourceName: g.Name, RelatedID: id})
		}
		if err := tx.DeleteUser(ctx, id); err != nil {
			return nil, err
		}
		return append(changes, userChange(actor, directory.UserDeleted, u, now, nil)), nil
	})
}

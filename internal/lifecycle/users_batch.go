package lifecycle

import (
	"context"
	"fmt"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// MaxUsersPerCall bounds the users one CreateUsers call accepts.
const MaxUsersPerCall = directory.MaxPageSize

// CreateUsers creates several users in one transaction, as CreateUser does
// one: each is validated and gets a new id, a user.created change record
// and the Effects' work, in the order given. It is all or nothing: EINVALID
// names the first bad user's fields as "users[i].field"; ECONFLICT (a
// username, email or employeeIdentifier taken in the directory or twice in
// us) refuses the whole call, which writes nothing; a caller that must know
// which user conflicts tries them one at a time. An empty us writes nothing.
// Not idempotent: each successful call creates new users.
func (s *Service) CreateUsers(ctx context.Context, actor directory.Actor, us []directory.User) ([]directory.User, error) {
	return s.createUsers(ctx, actor, "", us)
}

// ImportUsers is CreateUsers for users imported from the application
// appID: each creation's change record (and so its Directory Insights
// event) names the application as well as the admin.
func (s *Service) ImportUsers(ctx context.Context, actor directory.Actor, appID string, us []directory.User) ([]directory.User, error) {
	return s.createUsers(ctx, actor, appID, us)
}

func (s *Service) createUsers(ctx context.Context, actor directory.Actor, appID string, us []directory.User) ([]directory.User, error) {
	if len(us) == 0 {
		return nil, nil
	}
	if len(us) > MaxUsersPerCall {
		return nil, directory.Invalid(directory.FieldError{Field: "users", Reason: fmt.Sprintf("must list at most %d users", MaxUsersPerCall)})
	}
	out := make([]directory.User, len(us))
	now := s.now()
	for i, u := range us {
		u.Normalize()
		if u.State == "" {
			u.State = directory.UserActivated
		}
		if err := u.Validate(); err != nil {
			return nil, indexed(i, err)
		}
		u.ID, u.CreatedAt, u.UpdatedAt = s.newID(), now, now
		out[i] = u
	}
	err := s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		if err := tx.CreateUsers(ctx, out); err != nil {
			return nil, err
		}
		changes := make([]directory.Change, len(out))
		for i := range out {
			changes[i] = userChange(actor, directory.UserCreated, &out[i], now, directory.DiffUsers(directory.User{}, out[i]))
			changes[i].RelatedID = appID
		}
		return changes, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// indexed prefixes the field names of an EINVALID error with users[i].
func indexed(i int, err error) error {
	fields := directory.ErrorFields(err)
	out := make([]directory.FieldError, len(fields))
	for k, f := range fields {
		out[k] = directory.FieldError{Field: fmt.Sprintf("users[%d].%s", i, f.Field), Reason: f.Reason}
	}
	return directory.Invalid(out...)
}

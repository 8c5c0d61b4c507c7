package loadgen

import (
	"context"
	"fmt"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// updateUser changes the user's display name and last name (a directory
// change with its change record and audit event) and checks the answer.
func (f *Fixtures) updateUser(ctx context.Context, i int, seq uint64) error {
	u := f.Users[i]
	display := fmt.Sprintf("Bench %s #%d", f.RunID, seq)
	last := fmt.Sprintf("User %d rev %d", i+1, seq)
	got, err := f.client().UpdateUser(ctx, u.ID, directory.UserUpdate{DisplayName: &display, LastName: &last})
	if err != nil {
		return stepErr("patch", "", err)
	}
	if got.DisplayName != display || got.LastName != last {
		return stepErr("patch", "not applied", fmt.Errorf("user %s answered displayName %q lastname %q", u.Username, got.DisplayName, got.LastName))
	}
	return nil
}

// toggleMember adds the user to the churn group, or removes them when the
// load generator last added them; it returns the measured operation name.
func (f *Fixtures) toggleMember(ctx context.Context, i int) (string, error) {
	f.churnMu.Lock()
	member := f.inChurn[i]
	if f.inChurn == nil {
		f.inChurn = map[int]bool{}
	}
	f.inChurn[i] = !member
	f.churnMu.Unlock()
	ids := []string{f.Users[i].ID}
	if member {
		if _, err := f.client().RemoveMembers(ctx, f.Churn.ID, ids); err != nil {
			return MeasureMemberRemove, stepErr("remove", "", err)
		}
		return MeasureMemberRemove, nil
	}
	if _, err := f.client().AddMembers(ctx, f.Churn.ID, ids); err != nil {
		return MeasureMemberAdd, stepErr("add", "", err)
	}
	return MeasureMemberAdd, nil
}

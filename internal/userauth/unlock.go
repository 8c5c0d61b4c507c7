package userauth

import (
	"context"

	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Unlock forgets the failed sign-ins counted against the user's account
// (under their username and their e-mail), so that a user locked out by
// throttling can sign in again at once; waiting for the throttle window
// unlocks them too. Failures counted against client addresses are kept.
// It returns how many failures were forgotten; ENOTFOUND for an unknown user.
func (s *Service) Unlock(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		u, err := tx.GetUser(ctx, userID)
		if err != nil {
			return err
		}
		for _, login := range []string{u.Username, u.Email} {
			res, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE throttle_key = ?`, accountKey(login))
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return nil
	})
	if err == nil {
		s.log().InfoContext(ctx, "sign-in failures forgotten", "user", userID, "failures", n)
	}
	return n, err
}

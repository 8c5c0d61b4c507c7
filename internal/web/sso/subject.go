package sso

import (
	"context"
	"sort"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Subject resolves what an app is told about a user: the NameID from the
// app's NameID attribute (or, for persistent NameIDs, an HMAC of the user id
// under secret, see samlidp.PersistentNameID), the enabled attribute
// statements (a directory attribute or a constant; statements whose
// attribute is empty are left out) and, when the app names a groups
// attribute, the names of the user's groups, sorted.
func Subject(app *App, u *directory.User, groupNames []string, secret []byte) samlidp.Subject {
	names := append([]string(nil), groupNames...)
	sort.Strings(names)
	var s samlidp.Subject
	s.NameID, s.Attributes = lifecycle.AssertionAttributes(&app.SSO, u, names)
	if app.SSO.NameIDFormat == directory.NameIDPersistent {
		s.NameID = samlidp.PersistentNameID(secret, app.Config.SPEntityID, u.ID)
	}
	return s
}

// groupNames lists the names of the user's groups.
func (h *Handler) groupNames(ctx context.Context, userID string) ([]string, error) {
	var names []string
	err := h.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		ids, err := tx.GroupIDsOfUser(ctx, userID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			g, err := tx.GetGroup(ctx, id)
			if directory.ErrorCode(err) == directory.ENOTFOUND {
				continue
			}
			if err != nil {
				return err
			}
			names = append(names, g.Name)
		}
		return nil
	})
	return names, err
}

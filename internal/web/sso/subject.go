package sso

import (
	"context"
	"sort"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
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
	var s samlidp.Subject
	switch app.SSO.NameIDFormat {
	case directory.NameIDPersistent:
		s.NameID = samlidp.PersistentNameID(secret, app.Config.SPEntityID, u.ID)
	default:
		attr := app.SSO.NameIDAttribute
		if attr == "" {
			attr = "email"
		}
		s.NameID, _ = directory.UserAttribute(u, attr)
	}
	for _, st := range app.SSO.Attributes {
		if !st.Enabled {
			continue
		}
		v := st.Source.Constant
		if st.Source.Attribute != "" {
			v, _ = directory.UserAttribute(u, st.Source.Attribute)
		}
		if v == "" {
			continue
		}
		s.Attributes = append(s.Attributes, samlidp.Attribute{Name: st.Name, Values: []string{v}})
	}
	if app.SSO.GroupsAttribute != "" && len(groupNames) > 0 {
		names := append([]string(nil), groupNames...)
		sort.Strings(names)
		s.Attributes = append(s.Attributes, samlidp.Attribute{Name: app.SSO.GroupsAttribute, Values: names})
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

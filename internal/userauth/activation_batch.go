package userauth

import (
	"context"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// linksPerStatement bounds the rows (and ids) one statement carries.
const linksPerStatement = 200

// CreateActivationLinks makes one new activation link per user id, in the
// order given, in one transaction: as CreateActivationLink does for one
// user, each token is single-use, valid for ActivationTTL, and earlier
// tokens stay valid. It is all or nothing: ENOTFOUND names the first
// unknown user and writes no link. An id listed twice gets two links. An
// empty list writes nothing.
func (s *Service) CreateActivationLinks(ctx context.Context, userIDs []string) ([]ActivationLink, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	now := s.now()
	links := make([]ActivationLink, len(userIDs))
	for i, id := range userIDs {
		token, err := s.newToken()
		if err != nil {
			return nil, err
		}
		links[i] = ActivationLink{Token: token, UserID: id, ExpiresAt: now.Add(s.activationTTL())}
	}
	err := s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		if err := usersExist(ctx, tx, userIDs); err != nil {
			return err
		}
		for start := 0; start < len(links); start += linksPerStatement {
			part := links[start:min(start+linksPerStatement, len(links))]
			args := make([]any, 0, 4*len(part))
			for _, l := range part {
				args = append(args, HashToken(l.Token), l.UserID, sqlstore.TimeValue(now), sqlstore.TimeValue(l.ExpiresAt))
			}
			q := `INSERT INTO user_activation_tokens (token_hash, user_id, created_at, expires_at) VALUES ` +
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", len(part)), ", ")
			if _, err := tx.Exec(ctx, q, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		s.log().InfoContext(ctx, "activation link created", "user", l.UserID, "expires", l.ExpiresAt)
	}
	return links, nil
}

// usersExist returns ENOTFOUND naming the first of ids that is no user.
func usersExist(ctx context.Context, tx *sqlstore.Tx, ids []string) error {
	found := make(map[string]bool, len(ids))
	for start := 0; start < len(ids); start += linksPerStatement {
		part := ids[start:min(start+linksPerStatement, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := tx.Query(ctx, `SELECT id FROM users WHERE id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")+`)`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			found[id] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
	}
	for _, id := range ids {
		if !found[id] {
			return directory.NotFound("user", id)
		}
	}
	return nil
}

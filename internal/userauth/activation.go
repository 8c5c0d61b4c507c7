package userauth

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// ActivationLink is a one-time token that lets a user set their password.
type ActivationLink struct {
	Token     string // shown once; only its hash is stored
	UserID    string
	ExpiresAt time.Time
}

// CreateActivationLink makes a new single-use activation token for the
// user, valid for ActivationTTL. Earlier unused tokens of the user stay
// valid until they expire or one of them is used. ENOTFOUND if the user is
// unknown.
func (s *Service) CreateActivationLink(ctx context.Context, userID string) (*ActivationLink, error) {
	token, err := s.newToken()
	if err != nil {
		return nil, err
	}
	now := s.now()
	link := &ActivationLink{Token: token, UserID: userID, ExpiresAt: now.Add(s.activationTTL())}
	err = s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		if _, err := tx.GetUser(ctx, userID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO user_activation_tokens (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			HashToken(token), userID, sqlstore.TimeValue(now), sqlstore.TimeValue(link.ExpiresAt))
		return err
	})
	if err != nil {
		return nil, err
	}
	s.log().InfoContext(ctx, "activation link created", "user", userID, "expires", link.ExpiresAt)
	return link, nil
}

// activationUser returns the user of an unused, unexpired token.
func (s *Service) activationUser(ctx context.Context, tx *sqlstore.Tx, token string) (*directory.User, error) {
	if !WellFormedToken(token) {
		return nil, ErrBadActivation
	}
	var userID string
	var expires int64
	var used sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT user_id, expires_at, used_at FROM user_activation_tokens WHERE token_hash = ?`, HashToken(token)).
		Scan(&userID, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrBadActivation
	}
	if err != nil {
		return nil, err
	}
	if used.Valid || !s.now().Before(sqlstore.TimeOf(expires)) {
		return nil, ErrBadActivation
	}
	u, err := tx.GetUser(ctx, userID)
	if directory.ErrorCode(err) == directory.ENOTFOUND {
		return nil, ErrBadActivation
	}
	return u, err
}

// CheckActivation returns the user an activation token belongs to, or
// ErrBadActivation when it is unknown, used or expired.
func (s *Service) CheckActivation(ctx context.Context, token string) (*directory.User, error) {
	var u *directory.User
	err := s.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		u, err = s.activationUser(ctx, tx, token)
		return err
	})
	return u, err
}

// Activate sets the user's password with an activation token and uses the
// token up. The password must pass auth.CheckPasswordPolicy (EINVALID,
// field "password"); a bad token gives ErrBadActivation. Existing sessions
// of the user end.
func (s *Service) Activate(ctx context.Context, token, password string) (*directory.User, error) {
	if err := auth.CheckPasswordPolicy("password", password); err != nil {
		return nil, err
	}
	hash, err := s.Hasher.Hash(password)
	if err != nil {
		return nil, err
	}
	var u *directory.User
	err = s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		u, err = s.activationUser(ctx, tx, token)
		if err != nil {
			return err
		}
		now := sqlstore.TimeValue(s.now())
		res, err := tx.Exec(ctx, `UPDATE user_activation_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL`, now, HashToken(token))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrBadActivation
		}
		if err := setPassword(ctx, tx, u.ID, hash, now); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE user_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, now, u.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.log().InfoContext(ctx, "password set by activation link", "user", u.ID)
	return u, nil
}

// SetPassword sets a user's password directly (administrative or import
// use). The policy applies as for Activate.
func (s *Service) SetPassword(ctx context.Context, userID, password string) error {
	if err := auth.CheckPasswordPolicy("password", password); err != nil {
		return err
	}
	hash, err := s.Hasher.Hash(password)
	if err != nil {
		return err
	}
	return s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		if _, err := tx.GetUser(ctx, userID); err != nil {
			return err
		}
		return setPassword(ctx, tx, userID, hash, sqlstore.TimeValue(s.now()))
	})
}

func setPassword(ctx context.Context, tx *sqlstore.Tx, userID, hash string, now int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO user_credentials (user_id, password_hash, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at`,
		userID, hash, now)
	return err
}

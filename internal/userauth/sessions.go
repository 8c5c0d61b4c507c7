package userauth

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Session is a signed-in directory user. Sessions live in the database
// (user_sessions) under the SHA-256 of their token, so any replica can check
// them and a leaked table holds no usable token.
type Session struct {
	ID         string // the stored hash of the token: safe to show and to revoke by
	UserID     string
	User       *directory.User
	CSRFToken  string // put in every form; see CheckCSRF
	MFAPending bool   // password checked, TOTP still due
	ClientIP   string
	CreatedAt  time.Time // when the user authenticated
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end
}

// newSession opens a session for u; also runs extra in the same transaction.
func (s *Service) newSession(ctx context.Context, u *directory.User, ip string, mfaPending bool, extra func(*sqlstore.Tx) error) (string, *Session, error) {
	token, err := s.newToken()
	if err != nil {
		return "", nil, err
	}
	csrf, err := s.newToken()
	if err != nil {
		return "", nil, err
	}
	now := s.now()
	abs := s.absolute()
	if mfaPending {
		abs = 10 * time.Minute
	}
	sess := &Session{ID: HashToken(token), UserID: u.ID, User: u, CSRFToken: csrf, MFAPending: mfaPending, ClientIP: ip,
		CreatedAt: sqlstore.TimeOf(sqlstore.TimeValue(now)), LastSeenAt: sqlstore.TimeOf(sqlstore.TimeValue(now)),
		ExpiresAt: sqlstore.TimeOf(sqlstore.TimeValue(now.Add(abs)))}
	pending := 0
	if mfaPending {
		pending = 1
	}
	err = s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		if extra != nil {
			if err := extra(tx); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_sessions WHERE expires_at < ?`, sqlstore.TimeValue(now.Add(-time.Hour))); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO user_sessions (id_hash, user_id, csrf_token, mfa_pending, client_ip, created_at, last_seen_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, sess.ID, u.ID, csrf, pending, ip,
			sqlstore.TimeValue(now), sqlstore.TimeValue(now), sqlstore.TimeValue(sess.ExpiresAt))
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

// Authenticate returns the full session of a token. It fails with
// ErrNoSession when the token is unknown, revoked, idle for longer than
// IdleTimeout, past its absolute end, still waiting for TOTP, or when its
// user was deleted or is no longer activated (checked on every call). It
// records the activity for the idle timeout.
func (s *Service) Authenticate(ctx context.Context, token string) (*Session, error) {
	return s.session(ctx, token, false)
}

// PendingMFA returns the half-open session of a token that still needs its
// second factor, or ErrNoSession.
func (s *Service) PendingMFA(ctx context.Context, token string) (*Session, error) {
	return s.session(ctx, token, true)
}

func (s *Service) session(ctx context.Context, token string, wantPending bool) (*Session, error) {
	if !WellFormedToken(token) {
		return nil, ErrNoSession
	}
	now := s.now()
	id := HashToken(token)
	sess := &Session{ID: id}
	var pending int
	var created, seen, expires int64
	var revoked sql.NullInt64
	reason := ""
	err := s.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		err := tx.QueryRow(ctx, `SELECT user_id, csrf_token, mfa_pending, client_ip, created_at, last_seen_at, expires_at, revoked_at
			FROM user_sessions WHERE id_hash = ?`, id).
			Scan(&sess.UserID, &sess.CSRFToken, &pending, &sess.ClientIP, &created, &seen, &expires, &revoked)
		if errors.Is(err, sql.ErrNoRows) {
			reason = "unknown session"
			return nil
		}
		if err != nil {
			return err
		}
		sess.User, err = tx.GetUser(ctx, sess.UserID)
		if directory.ErrorCode(err) == directory.ENOTFOUND {
			reason = "user deleted"
			return nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sess.MFAPending = pending != 0
	sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = sqlstore.TimeOf(created), sqlstore.TimeOf(seen), sqlstore.TimeOf(expires)
	switch {
	case reason != "":
	case revoked.Valid:
		reason = "revoked"
	case !now.Before(sess.ExpiresAt):
		reason = "absolute timeout"
	case now.Sub(sess.LastSeenAt) >= s.idle():
		reason = "idle timeout"
	case sess.User != nil && !sess.User.Active():
		reason = "user is " + string(sess.User.State)
	case sess.MFAPending != wantPending:
		reason = "wrong step"
	}
	if reason != "" {
		if sess.UserID != "" && reason != "wrong step" {
			s.log().InfoContext(ctx, "session refused", "session", id[:12], "user", sess.UserID, "reason", reason)
		}
		return nil, ErrNoSession
	}
	if now.Sub(sess.LastSeenAt) >= touchInterval {
		err := s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE user_sessions SET last_seen_at = ? WHERE id_hash = ?`, sqlstore.TimeValue(now), id)
			return err
		})
		if err != nil {
			return nil, err
		}
		sess.LastSeenAt = sqlstore.TimeOf(sqlstore.TimeValue(now))
	}
	return sess, nil
}

// Logout ends the session of token; unknown tokens are ignored.
func (s *Service) Logout(ctx context.Context, token string) error {
	if !WellFormedToken(token) {
		return nil
	}
	return s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM user_sessions WHERE id_hash = ?`, HashToken(token))
		return err
	})
}

// RevokeSession ends the session with the given Session.ID; ENOTFOUND if
// there is none.
func (s *Service) RevokeSession(ctx context.Context, sessionID string) error {
	return s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE user_sessions SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL`, sqlstore.TimeValue(s.now()), sessionID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return directory.NotFound("session", sessionID)
		}
		return nil
	})
}

// RevokeUserSessions ends every session of the user and returns how many.
func (s *Service) RevokeUserSessions(ctx context.Context, userID string) (int, error) {
	var n int64
	err := s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE user_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, sqlstore.TimeValue(s.now()), userID)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

// ListSessions returns the user's open sessions (not revoked, not past
// their absolute end, not idle too long), newest first, without CSRF
// tokens.
func (s *Service) ListSessions(ctx context.Context, userID string) ([]Session, error) {
	now := s.now()
	var out []Session
	err := s.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id_hash, mfa_pending, client_ip, created_at, last_seen_at, expires_at FROM user_sessions
			WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? AND last_seen_at > ? ORDER BY created_at DESC, id_hash`,
			userID, sqlstore.TimeValue(now), sqlstore.TimeValue(now.Add(-s.idle())))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ss Session
			var pending int
			var created, seen, expires int64
			if err := rows.Scan(&ss.ID, &pending, &ss.ClientIP, &created, &seen, &expires); err != nil {
				return sqlstore.MapError(err)
			}
			ss.UserID, ss.MFAPending = userID, pending != 0
			ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt = sqlstore.TimeOf(created), sqlstore.TimeOf(seen), sqlstore.TimeOf(expires)
			out = append(out, ss)
		}
		return sqlstore.MapError(rows.Err())
	})
	return out, err
}

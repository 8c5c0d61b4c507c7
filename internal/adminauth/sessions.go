package adminauth

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

// Session is a signed-in administrator. Sessions live in the database
// (admin_sessions) under the SHA-256 of their token, so any replica can
// check them and a leaked table holds no usable token.
type Session struct {
	ID         string // the stored hash of the token: safe to list and to revoke by, not usable as a token
	AdminID    string
	Email      string
	Name       string
	Role       directory.AdminRole // read from the admins table on every check
	CSRFToken  string              // put in every form; see CheckCSRF
	ClientIP   string              // where the session was opened
	MFAPending bool                // password checked, TOTP still due
	CreatedAt  time.Time           // when the admin authenticated
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end
}

// CanWrite reports whether the session may change things (role admin;
// read_only admins may only read).
func (s *Session) CanWrite() bool { return s != nil && s.Role == directory.RoleAdmin }

func validRole(r directory.AdminRole) bool {
	return r == directory.RoleAdmin || r == directory.RoleReadOnly
}

// newSession opens a session for a; also runs extra in the same transaction.
func (s *Service) newSession(ctx context.Context, a *directory.Admin, ip string, mfaPending bool, extra func(*sqlstore.Tx) error) (string, *Session, error) {
	token, err := userauth.NewToken(s.rand())
	if err != nil {
		return "", nil, err
	}
	csrf, err := userauth.NewToken(s.rand())
	if err != nil {
		return "", nil, err
	}
	now := s.now()
	abs, pending := s.absolute(), 0
	if mfaPending {
		abs, pending = PendingTimeout, 1
	}
	sess := &Session{ID: userauth.HashToken(token), AdminID: a.ID, Email: a.Email, Name: a.Name, Role: a.Role,
		CSRFToken: csrf, ClientIP: ip, MFAPending: mfaPending,
		CreatedAt: sqlstore.TimeOf(sqlstore.TimeValue(now)), LastSeenAt: sqlstore.TimeOf(sqlstore.TimeValue(now)),
		ExpiresAt: sqlstore.TimeOf(sqlstore.TimeValue(now.Add(abs)))}
	err = s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		if extra != nil {
			if err := extra(tx); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM admin_sessions WHERE expires_at < ?`, sqlstore.TimeValue(now.Add(-time.Hour))); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO admin_sessions (id_hash, admin_id, csrf_token, mfa_pending, client_ip, created_at, last_seen_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, sess.ID, a.ID, csrf, pending, ip,
			sqlstore.TimeValue(now), sqlstore.TimeValue(now), sqlstore.TimeValue(sess.ExpiresAt))
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

// Authenticate returns the full session of token. It fails with
// ErrNoSession when the token is malformed, unknown, revoked, idle for
// longer than IdleTimeout, past its absolute end (AbsoluteTimeout after
// sign-in), still waiting for its second factor, or when its admin was
// deleted or holds an unknown role. The role, e-mail and name are read
// afresh on every call. The activity is recorded for the idle timeout, at
// most every 15 s.
func (s *Service) Authenticate(ctx context.Context, token string) (*Session, error) {
	return s.session(ctx, token, false)
}

// PendingMFA returns the half-open session of a token that still needs its
// second factor (valid for PendingTimeout), or ErrNoSession.
func (s *Service) PendingMFA(ctx context.Context, token string) (*Session, error) {
	return s.session(ctx, token, true)
}

func (s *Service) session(ctx context.Context, token string, wantPending bool) (*Session, error) {
	if !userauth.WellFormedToken(token) {
		return nil, ErrNoSession
	}
	now := s.now()
	id := userauth.HashToken(token)
	sess := &Session{ID: id}
	var pending int
	var role string
	var created, seen, expires int64
	var revoked sql.NullInt64
	reason := ""
	err := s.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		err := tx.QueryRow(ctx, `SELECT s.admin_id, s.csrf_token, s.mfa_pending, s.client_ip, s.created_at, s.last_seen_at, s.expires_at, s.revoked_at,
			a.email, a.name, a.role
			FROM admin_sessions s JOIN admins a ON a.id = s.admin_id WHERE s.id_hash = ?`, id).
			Scan(&sess.AdminID, &sess.CSRFToken, &pending, &sess.ClientIP, &created, &seen, &expires, &revoked,
				&sess.Email, &sess.Name, &role)
		if errors.Is(err, sql.ErrNoRows) {
			reason = "unknown session"
			return nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sess.Role, sess.MFAPending = directory.AdminRole(role), pending != 0
	sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = sqlstore.TimeOf(created), sqlstore.TimeOf(seen), sqlstore.TimeOf(expires)
	switch {
	case reason != "":
	case revoked.Valid:
		reason = "revoked"
	case !now.Before(sess.ExpiresAt):
		reason = "absolute timeout"
	case now.Sub(sess.LastSeenAt) >= s.idle():
		reason = "idle timeout"
	case !validRole(sess.Role):
		reason = "unknown role " + role
	case sess.MFAPending != wantPending:
		reason = "wrong step"
	}
	if reason != "" {
		if sess.AdminID != "" && reason != "wrong step" {
			s.log().InfoContext(ctx, "admin session refused", "session", id[:12], "admin", sess.AdminID, "reason", reason)
		}
		return nil, ErrNoSession
	}
	if now.Sub(sess.LastSeenAt) >= touchInterval {
		err := s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE admin_sessions SET last_seen_at = ? WHERE id_hash = ?`, sqlstore.TimeValue(now), id)
			return err
		})
		if err != nil {
			return nil, err
		}
		sess.LastSeenAt = sqlstore.TimeOf(sqlstore.TimeValue(now))
	}
	return sess, nil
}

// Logout ends the session of token (full or pending); unknown or malformed
// tokens are ignored, so it is idempotent.
func (s *Service) Logout(ctx context.Context, token string) error {
	if !userauth.WellFormedToken(token) {
		return nil
	}
	err := s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM admin_sessions WHERE id_hash = ?`, userauth.HashToken(token))
		return err
	})
	if err != nil {
		return err
	}
	s.log().InfoContext(ctx, "admin signed out", "session", userauth.HashToken(token)[:12])
	return nil
}

// RevokeSession ends the session with the given Session.ID; ENOTFOUND if
// there is no such unrevoked session.
func (s *Service) RevokeSession(ctx context.Context, sessionID string) error {
	return s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE admin_sessions SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL`, sqlstore.TimeValue(s.now()), sessionID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return directory.NotFound("session", sessionID)
		}
		return nil
	})
}

// RevokeAdminSessions ends every session of the admin (full and pending)
// and returns how many were open. Idempotent.
func (s *Service) RevokeAdminSessions(ctx context.Context, adminID string) (int, error) {
	now := s.now()
	var n int64
	err := s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		// Sessions already past their end stay as they are: they are not
		// open, and not counted.
		res, err := tx.Exec(ctx, `UPDATE admin_sessions SET revoked_at = ?
			WHERE admin_id = ? AND revoked_at IS NULL AND expires_at > ? AND last_seen_at > ?`,
			sqlstore.TimeValue(now), adminID, sqlstore.TimeValue(now), sqlstore.TimeValue(now.Add(-s.idle())))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, err
	}
	s.log().InfoContext(ctx, "admin sessions revoked", "admin", adminID, "count", n)
	return int(n), nil
}

// ListSessions returns the admin's open sessions (not revoked, not past
// their absolute end, not idle too long), newest first, without CSRF
// tokens.
func (s *Service) ListSessions(ctx context.Context, adminID string) ([]Session, error) {
	now := s.now()
	out := []Session{}
	err := s.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(ctx, `SELECT s.id_hash, s.mfa_pending, s.client_ip, s.created_at, s.last_seen_at, s.expires_at, a.email, a.name, a.role
			FROM admin_sessions s JOIN admins a ON a.id = s.admin_id
			WHERE s.admin_id = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND s.last_seen_at > ? ORDER BY s.created_at DESC, s.id_hash`,
			adminID, sqlstore.TimeValue(now), sqlstore.TimeValue(now.Add(-s.idle())))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ss Session
			var pending int
			var role string
			var created, seen, expires int64
			if err := rows.Scan(&ss.ID, &pending, &ss.ClientIP, &created, &seen, &expires, &ss.Email, &ss.Name, &role); err != nil {
				return sqlstore.MapError(err)
			}
			ss.AdminID, ss.Role, ss.MFAPending = adminID, directory.AdminRole(role), pending != 0
			ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt = sqlstore.TimeOf(created), sqlstore.TimeOf(seen), sqlstore.TimeOf(expires)
			out = append(out, ss)
		}
		return sqlstore.MapError(rows.Err())
	})
	return out, err
}

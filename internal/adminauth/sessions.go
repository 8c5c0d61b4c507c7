package adminauth

import (
	"context"
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

// sessions is the table of admin sessions.
func (s *Service) sessions() userauth.SessionTable {
	return userauth.SessionTable{Store: s.Store, Table: "admin_sessions", Principal: "admin_id", Idle: s.idle()}
}

func adminSession(r *userauth.SessionRow, a *directory.Admin) *Session {
	sess := &Session{ID: r.ID, AdminID: r.PrincipalID, CSRFToken: r.CSRFToken, ClientIP: r.ClientIP, MFAPending: r.MFAPending,
		CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt, ExpiresAt: r.ExpiresAt}
	if a != nil {
		sess.Email, sess.Name, sess.Role = a.Email, a.Name, a.Role
	}
	return sess
}

// newSession opens a session for a; also runs extra in the same transaction.
func (s *Service) newSession(ctx context.Context, a *directory.Admin, ip string, mfaPending bool, extra func(*sqlstore.Tx) error) (string, *Session, error) {
	life := s.absolute()
	if mfaPending {
		life = PendingTimeout
	}
	token, row, err := s.sessions().Open(ctx, s.rand(), s.now(), a.ID, ip, mfaPending, life, extra)
	if err != nil {
		return "", nil, err
	}
	return token, adminSession(row, a), nil
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
	var admin *directory.Admin
	row, reason, err := s.sessions().Check(ctx, token, s.now(), wantPending, func(tx *sqlstore.Tx, r *userauth.SessionRow) (string, error) {
		a, err := tx.GetAdmin(ctx, r.PrincipalID)
		switch {
		case directory.ErrorCode(err) == directory.ENOTFOUND:
			return "admin deleted", nil
		case err != nil:
			return "", err
		case !validRole(a.Role):
			return "unknown role " + string(a.Role), nil
		}
		admin = a
		return "", nil
	})
	if err != nil {
		return nil, err
	}
	if reason != "" {
		if row != nil && reason != "wrong step" {
			s.log().InfoContext(ctx, "admin session refused", "session", row.ID[:12], "admin", row.PrincipalID, "reason", reason)
		}
		return nil, ErrNoSession
	}
	return adminSession(row, admin), nil
}

// Logout ends the session of token (full or pending); unknown or malformed
// tokens are ignored, so it is idempotent.
func (s *Service) Logout(ctx context.Context, token string) error {
	if err := s.sessions().Delete(ctx, token); err != nil {
		return err
	}
	if userauth.WellFormedToken(token) {
		s.log().InfoContext(ctx, "admin signed out", "session", userauth.HashToken(token)[:12])
	}
	return nil
}

// RevokeSession ends the session with the given Session.ID; ENOTFOUND if
// there is no such unrevoked session.
func (s *Service) RevokeSession(ctx context.Context, sessionID string) error {
	return s.sessions().Revoke(ctx, sessionID, s.now())
}

// RevokeAdminSessions ends every session of the admin (full and pending)
// and returns how many were open. Idempotent.
func (s *Service) RevokeAdminSessions(ctx context.Context, adminID string) (int, error) {
	n, err := s.sessions().RevokeAll(ctx, adminID, s.now())
	if err != nil {
		return 0, err
	}
	s.log().InfoContext(ctx, "admin sessions revoked", "admin", adminID, "count", n)
	return n, nil
}

// ListSessions returns the admin's open sessions (not revoked, not past
// their absolute end, not idle too long), newest first, without CSRF
// tokens.
func (s *Service) ListSessions(ctx context.Context, adminID string) ([]Session, error) {
	out := []Session{}
	err := s.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		rows, err := s.sessions().List(ctx, tx, adminID, s.now())
		if err != nil || len(rows) == 0 {
			return err
		}
		a, err := tx.GetAdmin(ctx, adminID)
		if directory.ErrorCode(err) == directory.ENOTFOUND {
			return nil
		}
		if err != nil {
			return err
		}
		for i := range rows {
			out = append(out, *adminSession(&rows[i], a))
		}
		return nil
	})
	return out, err
}

package userauth

import (
	"context"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Session is a signed-in directory user. Sessions live in the database
// (user_sessions, see SessionTable) under the SHA-256 of their token, so any
// replica can check them and a leaked table holds no usable token.
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

// sessions is the table of user sessions.
func (s *Service) sessions() SessionTable {
	return SessionTable{Store: s.Store, Table: "user_sessions", Principal: "user_id", Idle: s.idle()}
}

func userSession(r *SessionRow, u *directory.User) *Session {
	return &Session{ID: r.ID, UserID: r.PrincipalID, User: u, CSRFToken: r.CSRFToken, MFAPending: r.MFAPending,
		ClientIP: r.ClientIP, CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt, ExpiresAt: r.ExpiresAt}
}

// newSession opens a session for u; also runs extra in the same transaction.
func (s *Service) newSession(ctx context.Context, u *directory.User, ip string, mfaPending bool, extra func(*sqlstore.Tx) error) (string, *Session, error) {
	life := s.absolute()
	if mfaPending {
		life = 10 * time.Minute
	}
	token, row, err := s.sessions().Open(ctx, s.rand(), s.now(), u.ID, ip, mfaPending, life, extra)
	if err != nil {
		return "", nil, err
	}
	return token, userSession(row, u), nil
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
	var user *directory.User
	row, reason, err := s.sessions().Check(ctx, token, s.now(), wantPending, func(tx *sqlstore.Tx, r *SessionRow) (string, error) {
		u, err := tx.GetUser(ctx, r.PrincipalID)
		switch {
		case directory.ErrorCode(err) == directory.ENOTFOUND:
			return "user deleted", nil
		case err != nil:
			return "", err
		case !u.Active():
			return "user is " + string(u.State), nil
		}
		user = u
		return "", nil
	})
	if err != nil {
		return nil, err
	}
	if reason != "" {
		if row != nil && reason != "wrong step" {
			s.log().InfoContext(ctx, "session refused", "session", row.ID[:12], "user", row.PrincipalID, "reason", reason)
		}
		return nil, ErrNoSession
	}
	return userSession(row, user), nil
}

// Logout ends the session of token; unknown tokens are ignored.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.sessions().Delete(ctx, token)
}

// RevokeSession ends the session with the given Session.ID; ENOTFOUND if
// there is none.
func (s *Service) RevokeSession(ctx context.Context, sessionID string) error {
	return s.sessions().Revoke(ctx, sessionID, s.now())
}

// RevokeUserSessions ends every open session of the user and returns how
// many there were.
func (s *Service) RevokeUserSessions(ctx context.Context, userID string) (int, error) {
	return s.sessions().RevokeAll(ctx, userID, s.now())
}

// ListSessions returns the user's open sessions (not revoked, not past
// their absolute end, not idle too long), newest first, without CSRF
// tokens.
func (s *Service) ListSessions(ctx context.Context, userID string) ([]Session, error) {
	var out []Session
	err := s.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		rows, err := s.sessions().List(ctx, tx, userID, s.now())
		for i := range rows {
			out = append(out, *userSession(&rows[i], nil))
		}
		return err
	})
	return out, err
}

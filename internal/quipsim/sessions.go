package quipsim

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jumpgate-idp/jumpgate/internal/scim"
)

// StartSession signs an active user in and returns the session token
// (only its hash is stored).
func (s *Server) StartSession(ctx context.Context, companyID, userID string) (string, error) {
	u, err := s.GetUser(ctx, companyID, userID)
	if err != nil {
		var se *scim.Error
		if errors.As(err, &se) && se.Status == 404 {
			return "", ErrNotFound
		}
		return "", err
	}
	if !u.Active {
		return "", errors.New("quipsim: user is deactivated")
	}
	tok, err := s.randomToken()
	if err != nil {
		return "", err
	}
	now := s.now()
	_, err = s.db.w.ExecContext(ctx, `INSERT INTO sessions (hash, company_id, user_id, created, expires) VALUES (?, ?, ?, ?, ?)`,
		hashToken(tok), companyID, userID, now.UnixNano(), now.Add(s.cfg.SessionTTL).UnixNano())
	if err != nil {
		return "", fmt.Errorf("quipsim: start session: %w", err)
	}
	return tok, nil
}

// SessionUser returns the user of a live session, or ErrNotFound when the
// session ended (deactivation, active toggled, expiry, sign-out).
func (s *Server) SessionUser(ctx context.Context, token string) (User, error) {
	var companyID, userID string
	err := s.db.r.QueryRowContext(ctx, `SELECT company_id, user_id FROM sessions WHERE hash = ? AND expires > ?`,
		hashToken(token), s.now().UnixNano()).Scan(&companyID, &userID)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("quipsim: session: %w", err)
	}
	u, err := s.GetUser(ctx, companyID, userID)
	if err != nil || !u.Active {
		return User{}, ErrNotFound
	}
	return u, nil
}

// EndSession signs a session out.
func (s *Server) EndSession(ctx context.Context, token string) error {
	if _, err := s.db.w.ExecContext(ctx, `DELETE FROM sessions WHERE hash = ?`, hashToken(token)); err != nil {
		return fmt.Errorf("quipsim: end session: %w", err)
	}
	return nil
}

package adminauth

import (
	"context"
	"log/slog"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

// LoginRequest is one password sign-in attempt.
type LoginRequest struct {
	Email    string
	Password string
	ClientIP string // for throttling, the log and the audit
}

// LoginResult is a successful step. When NeedsTOTP is set the session is
// only half open: CompleteMFA must follow before Authenticate accepts it.
type LoginResult struct {
	Token     string // the session cookie value; only its hash is stored
	Session   *Session
	NeedsTOTP bool
}

// Login checks an administrator's e-mail and password (and re-hashes the
// password when the Hasher's parameters changed). Unknown e-mails, wrong
// passwords, admins without a password (API-key-only accounts) or with an
// unknown role all get ErrInvalidCredentials after the same password-hash
// work; the log and the Auditor get the reason. Too many recent failures
// for the account or the client address give ErrThrottled without checking
// the password. An admin with TOTP gets a pending session (NeedsTOTP).
func (s *Service) Login(ctx context.Context, req LoginRequest) (*LoginResult, error) {
	email := strings.TrimSpace(req.Email)
	log := s.log().With("email", email, "client_ip", req.ClientIP)
	att := Attempt{Email: email, ClientIP: req.ClientIP, Stage: StagePassword}
	if email == "" || len(email) > directory.MaxEmailLen || req.Password == "" || len(req.Password) > maxPasswordLen {
		att.Reason = "empty or oversized input"
		log.InfoContext(ctx, "admin login refused", "reason", att.Reason)
		s.audit(ctx, att)
		return nil, ErrInvalidCredentials
	}
	acct := accountKey(email)
	which, err := s.throttled(ctx, acct, req.ClientIP)
	if err != nil {
		return nil, err
	}
	if which != "" {
		att.Reason = "throttled"
		log.WarnContext(ctx, "admin login refused", "reason", att.Reason, "limit", which)
		s.audit(ctx, att)
		return nil, ErrThrottled
	}
	var a *directory.Admin
	var totpOn bool
	err = s.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		if a, err = tx.GetAdminByEmail(ctx, email); err != nil {
			return err
		}
		t, err := getTOTP(ctx, tx, a.ID)
		totpOn = t.sealed != ""
		return err
	})
	if directory.ErrorCode(err) == directory.ENOTFOUND {
		_, _, _ = s.Hasher.Verify(s.dummyHash(), req.Password)
		return nil, s.fail(ctx, log, att, acct, "unknown account")
	}
	if err != nil {
		return nil, err
	}
	att.AdminID = a.ID
	log = log.With("admin", a.ID)
	if a.PasswordHash == "" {
		_, _, _ = s.Hasher.Verify(s.dummyHash(), req.Password)
		return nil, s.fail(ctx, log, att, acct, "no password set")
	}
	ok, rehash, err := s.Hasher.Verify(a.PasswordHash, req.Password)
	if err != nil {
		log.ErrorContext(ctx, "stored admin password hash unreadable", "err", err)
		return nil, s.fail(ctx, log, att, acct, "unreadable password hash")
	}
	if !ok {
		return nil, s.fail(ctx, log, att, acct, "wrong password")
	}
	if !validRole(a.Role) {
		return nil, s.fail(ctx, log, att, acct, "unknown role "+string(a.Role))
	}
	newHash := ""
	if rehash {
		if newHash, err = s.Hasher.Hash(req.Password); err != nil {
			return nil, err
		}
	}
	token, sess, err := s.newSession(ctx, a, req.ClientIP, totpOn, func(tx *sqlstore.Tx) error {
		if newHash != "" {
			if _, err := tx.Exec(ctx, `UPDATE admins SET password_hash = ?, updated_at = ? WHERE id = ? AND password_hash = ?`,
				newHash, sqlstore.TimeValue(s.now()), a.ID, a.PasswordHash); err != nil {
				return err
			}
		}
		return clearFailures(ctx, tx, acct)
	})
	if err != nil {
		return nil, err
	}
	log.InfoContext(ctx, "admin password accepted", "role", string(a.Role), "totp_required", totpOn, "session", sess.ID[:12])
	att.Success = true
	s.audit(ctx, att)
	return &LoginResult{Token: token, Session: sess, NeedsTOTP: totpOn}, nil
}

// fail logs, audits and counts a refused password attempt.
func (s *Service) fail(ctx context.Context, log *slog.Logger, att Attempt, acct, reason string) error {
	att.Reason = reason
	log.WarnContext(ctx, "admin login refused", "reason", reason)
	s.audit(ctx, att)
	if err := s.recordFailure(ctx, acct, att.ClientIP); err != nil {
		return err
	}
	return ErrInvalidCredentials
}

// CompleteMFA finishes a sign-in that needs TOTP: code is a current TOTP
// code not used before, or an unused recovery code (used up). On success
// the pending session is replaced by a full one with a new token. A pending
// token that is unknown or expired gives ErrNoSession; a wrong code gives
// ErrBadCode and counts as a failed sign-in for throttling (per admin and
// per address), and too many give ErrThrottled without checking the code.
func (s *Service) CompleteMFA(ctx context.Context, pendingToken, code, clientIP string) (*LoginResult, error) {
	sess, err := s.PendingMFA(ctx, pendingToken)
	if err != nil {
		return nil, err
	}
	log := s.log().With("admin", sess.AdminID, "email", sess.Email, "client_ip", clientIP)
	att := Attempt{Email: sess.Email, AdminID: sess.AdminID, ClientIP: clientIP, Stage: StageSecondFactor}
	acct := mfaKey(sess.AdminID)
	which, err := s.throttled(ctx, acct, clientIP)
	if err != nil {
		return nil, err
	}
	if which != "" {
		att.Reason = "throttled"
		log.WarnContext(ctx, "admin second factor refused", "reason", att.Reason, "limit", which)
		s.audit(ctx, att)
		return nil, ErrThrottled
	}
	ok, how, err := s.checkSecondFactor(ctx, sess.AdminID, code)
	if err != nil {
		return nil, err
	}
	if !ok {
		att.Reason = "wrong code"
		log.WarnContext(ctx, "admin second factor refused", "reason", att.Reason)
		s.audit(ctx, att)
		if err := s.recordFailure(ctx, acct, clientIP); err != nil {
			return nil, err
		}
		return nil, ErrBadCode
	}
	a := &directory.Admin{ID: sess.AdminID, Email: sess.Email, Name: sess.Name, Role: sess.Role}
	token, full, err := s.newSession(ctx, a, clientIP, false, func(tx *sqlstore.Tx) error {
		if err := clearFailures(ctx, tx, acct); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM admin_sessions WHERE id_hash = ? AND mfa_pending = 1`, userauth.HashToken(pendingToken))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNoSession // completed or ended meanwhile
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	log.InfoContext(ctx, "admin second factor accepted", "method", how, "session", full.ID[:12])
	att.Success = true
	s.audit(ctx, att)
	return &LoginResult{Token: token, Session: full}, nil
}

package userauth

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// LoginRequest is one password sign-in attempt.
type LoginRequest struct {
	Login    string // e-mail address or username
	Password string
	ClientIP string // for throttling and the log
}

// LoginResult is a successful first step. When NeedsTOTP is set the session
// is only half open: CompleteMFA must follow before it is usable.
type LoginResult struct {
	Token     string // the session cookie value; only its hash is stored
	Session   *Session
	NeedsTOTP bool
}

// credential is a user's stored secrets.
type credential struct {
	passwordHash string
	totpSealed   string
	totpPending  string
	totpLastStep int64
}

func getCredential(ctx context.Context, tx *sqlstore.Tx, userID string) (credential, error) {
	var c credential
	err := tx.QueryRow(ctx, `SELECT password_hash, totp_sealed, totp_pending, totp_last_step FROM user_credentials WHERE user_id = ?`, userID).
		Scan(&c.passwordHash, &c.totpSealed, &c.totpPending, &c.totpLastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return credential{}, nil
	}
	return c, err
}

// dummyHash is verified when the account does not exist, so that the
// answer takes as long as for a real account.
func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() { s.dummy, _ = s.Hasher.Hash("jumpgate-dummy-password") })
	return s.dummy
}

// Login checks a password (and re-hashes it when the Hasher's parameters
// changed). Unknown accounts, wrong passwords, users without
// a password and users that are not activated all get ErrInvalidCredentials
// (the log says which); too many recent failures for the account or the
// client address give ErrThrottled without checking the password.
func (s *Service) Login(ctx context.Context, req LoginRequest) (*LoginResult, error) {
	login := strings.TrimSpace(req.Login)
	log := s.log().With("login", login, "client_ip", req.ClientIP)
	if login == "" || len(login) > directory.MaxEmailLen || req.Password == "" || len(req.Password) > 1024 {
		log.InfoContext(ctx, "login refused", "reason", "empty or oversized input")
		s.audit(ctx, LoginAttempt{Login: login, ClientIP: req.ClientIP, Stage: "password", Reason: "empty or oversized input"})
		return nil, ErrInvalidCredentials
	}
	which, err := s.throttled(ctx, login, req.ClientIP)
	if err != nil {
		return nil, err
	}
	if which != "" {
		log.WarnContext(ctx, "login refused", "reason", "throttled", "limit", which)
		s.audit(ctx, LoginAttempt{Login: login, ClientIP: req.ClientIP, Stage: "password", Reason: "throttled"})
		return nil, ErrThrottled
	}
	var u *directory.User
	var cred credential
	err = s.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		u, err = lookupLogin(ctx, tx, login)
		if err != nil {
			return err
		}
		cred, err = getCredential(ctx, tx, u.ID)
		return err
	})
	if directory.ErrorCode(err) == directory.ENOTFOUND {
		_, _, _ = s.Hasher.Verify(s.dummyHash(), req.Password)
		return nil, s.fail(ctx, log, login, "", req.ClientIP, "unknown account")
	}
	if err != nil {
		return nil, err
	}
	log = log.With("user", u.ID)
	if cred.passwordHash == "" {
		_, _, _ = s.Hasher.Verify(s.dummyHash(), req.Password)
		return nil, s.fail(ctx, log, login, u.ID, req.ClientIP, "no password set")
	}
	ok, rehash, err := s.Hasher.Verify(cred.passwordHash, req.Password)
	if err != nil {
		log.ErrorContext(ctx, "stored password hash unreadable", "err", err)
		return nil, s.fail(ctx, log, login, u.ID, req.ClientIP, "unreadable password hash")
	}
	if !ok {
		return nil, s.fail(ctx, log, login, u.ID, req.ClientIP, "wrong password")
	}
	if !u.Active() {
		return nil, s.fail(ctx, log, login, u.ID, req.ClientIP, "user is "+string(u.State))
	}
	needsTOTP := cred.totpSealed != ""
	newHash := ""
	if rehash {
		if newHash, err = s.Hasher.Hash(req.Password); err != nil {
			return nil, err
		}
	}
	token, sess, err := s.newSession(ctx, u, req.ClientIP, needsTOTP, func(tx *sqlstore.Tx) error {
		if newHash != "" {
			if _, err := tx.Exec(ctx, `UPDATE user_credentials SET password_hash = ?, updated_at = ? WHERE user_id = ? AND password_hash = ?`,
				newHash, sqlstore.TimeValue(s.now()), u.ID, cred.passwordHash); err != nil {
				return err
			}
		}
		return clearAccount(ctx, tx, login)
	})
	if err != nil {
		return nil, err
	}
	log.InfoContext(ctx, "password accepted", "totp_required", needsTOTP)
	s.audit(ctx, LoginAttempt{Login: login, UserID: u.ID, ClientIP: req.ClientIP, Stage: "password", Success: true})
	return &LoginResult{Token: token, Session: sess, NeedsTOTP: needsTOTP}, nil
}

func (s *Service) fail(ctx context.Context, log interface {
	WarnContext(context.Context, string, ...any)
}, login, userID, ip, reason string) error {
	log.WarnContext(ctx, "login refused", "reason", reason)
	s.audit(ctx, LoginAttempt{Login: login, UserID: userID, ClientIP: ip, Stage: "password", Reason: reason})
	if err := s.recordFailure(ctx, login, ip); err != nil {
		return err
	}
	return ErrInvalidCredentials
}

// CompleteMFA finishes a sign-in that needs TOTP: code is a current TOTP
// code or an unused recovery code. On success the half-open session is
// replaced by a full one with a new token. Wrong codes count as failed
// logins for throttling.
func (s *Service) CompleteMFA(ctx context.Context, pendingToken, code, clientIP string) (*LoginResult, error) {
	sess, err := s.session(ctx, pendingToken, true)
	if err != nil {
		return nil, err
	}
	login := "user:" + sess.UserID
	log := s.log().With("user", sess.UserID, "client_ip", clientIP)
	which, err := s.throttled(ctx, login, clientIP)
	if err != nil {
		return nil, err
	}
	if which != "" {
		log.WarnContext(ctx, "second factor refused", "reason", "throttled", "limit", which)
		s.audit(ctx, LoginAttempt{Login: login, UserID: sess.UserID, ClientIP: clientIP, Stage: "second_factor", Reason: "throttled"})
		return nil, ErrThrottled
	}
	ok, how, err := s.checkSecondFactor(ctx, sess.UserID, code)
	if err != nil {
		return nil, err
	}
	if !ok {
		log.WarnContext(ctx, "second factor refused", "reason", "wrong code")
		s.audit(ctx, LoginAttempt{Login: login, UserID: sess.UserID, ClientIP: clientIP, Stage: "second_factor", Reason: "wrong code"})
		if err := s.recordFailure(ctx, login, clientIP); err != nil {
			return nil, err
		}
		return nil, ErrBadCode
	}
	token, full, err := s.newSession(ctx, sess.User, clientIP, false, func(tx *sqlstore.Tx) error {
		if err := clearAccount(ctx, tx, login); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM user_sessions WHERE id_hash = ?`, HashToken(pendingToken))
		return err
	})
	if err != nil {
		return nil, err
	}
	log.InfoContext(ctx, "second factor accepted", "method", how)
	s.audit(ctx, LoginAttempt{Login: login, UserID: sess.UserID, ClientIP: clientIP, Stage: "second_factor", Success: true})
	return &LoginResult{Token: token, Session: full}, nil
}

package userauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Defaults for Service fields left zero.
const (
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultAbsoluteTimeout = 12 * time.Hour
	DefaultActivationTTL   = 7 * 24 * time.Hour
	DefaultThrottleWindow  = 15 * time.Minute
	DefaultMaxPerAccount   = 5
	DefaultMaxPerAddress   = 50
)

// Public errors. Their messages are safe to show; the reason of a refusal
// is only logged.
var (
	ErrInvalidCredentials = &directory.Error{Code: directory.EUNAUTHORIZED, Message: "The sign-in details are not correct, or this account cannot sign in."}
	ErrThrottled          = &directory.Error{Code: directory.ERATELIMITED, Message: "Too many failed sign-in attempts. Wait a few minutes and try again."}
	ErrNoSession          = &directory.Error{Code: directory.EUNAUTHORIZED, Message: "Your session has ended. Please sign in again."}
	ErrBadActivation      = &directory.Error{Code: directory.ENOTFOUND, Message: "This activation link is not valid: it may have been used already or have expired. Ask your administrator for a new one."}
	ErrBadCode            = &directory.Error{Code: directory.EUNAUTHORIZED, Message: "The code is not correct."}
)

// Service holds the sign-in use cases. Store must be the *sqlstore.Store
// whose schema includes this package's migration (0003_user_auth).
type Service struct {
	Store  *sqlstore.Store
	Hasher auth.Hasher
	// Sealer encrypts TOTP seeds at rest.
	Sealer *secrets.Sealer
	Now    func() time.Time // default time.Now
	Rand   io.Reader        // default crypto/rand
	Logger *slog.Logger     // default slog.Default()
	// Issuer is the name authenticator apps show for TOTP entries.
	Issuer string

	IdleTimeout     time.Duration // default 30 min
	AbsoluteTimeout time.Duration // default 12 h
	ActivationTTL   time.Duration // default 7 days

	// Throttling: at most MaxPerAccount failed logins per account and
	// MaxPerAddress per client address within ThrottleWindow; further
	// attempts are refused without checking the password.
	ThrottleWindow time.Duration
	MaxPerAccount  int
	MaxPerAddress  int

	// Auditor, when set, receives every sign-in attempt.
	Auditor LoginAuditor

	dummyOnce sync.Once
	dummy     string
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) rand() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}

func (s *Service) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func orDefault[T int | time.Duration](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

func (s *Service) idle() time.Duration { return orDefault(s.IdleTimeout, DefaultIdleTimeout) }
func (s *Service) absolute() time.Duration {
	return orDefault(s.AbsoluteTimeout, DefaultAbsoluteTimeout)
}
func (s *Service) activationTTL() time.Duration {
	return orDefault(s.ActivationTTL, DefaultActivationTTL)
}

// NewToken returns 256 random bits read from r, base64url without padding:
// the form of session tokens, CSRF tokens and activation tokens.
func NewToken(r io.Reader) (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("userauth: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func (s *Service) newToken() (string, error) { return NewToken(s.rand()) }

// HashToken is how tokens, session ids and recovery codes are stored:
// SHA-256, hex. A leaked table gives no usable token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// WellFormedToken reports whether s looks like a token made by NewToken
// (43 base64url characters), so that garbage never reaches the database.
func WellFormedToken(s string) bool {
	if len(s) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// lookupLogin finds a user by e-mail address or, failing that, username.
func lookupLogin(ctx context.Context, tx *sqlstore.Tx, login string) (*directory.User, error) {
	u, err := tx.GetUserByEmail(ctx, login)
	if directory.ErrorCode(err) == directory.ENOTFOUND {
		u, err = tx.GetUserByUsername(ctx, login)
	}
	return u, err
}

package adminauth

import (
	"crypto/rand"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

// Defaults for Service fields left zero.
const (
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultAbsoluteTimeout = 12 * time.Hour
	DefaultThrottleWindow  = userauth.DefaultThrottleWindow
	DefaultMaxPerAccount   = userauth.DefaultMaxPerAccount
	DefaultMaxPerAddress   = userauth.DefaultMaxPerAddress
	// DefaultIssuer is the TOTP issuer when Service.Issuer is "".
	DefaultIssuer = "Jumpgate admin"
	// PendingTimeout is how long a session waits for its second factor.
	PendingTimeout = 10 * time.Minute
	// maxPasswordLen bounds the password that is hashed at all.
	maxPasswordLen = 1024
)

// Public errors, shared with userauth (errors.Is matches either package's
// name). Their messages are safe to show; the reason of a refusal is only
// logged and audited.
var (
	ErrInvalidCredentials = userauth.ErrInvalidCredentials // EUNAUTHORIZED
	ErrThrottled          = userauth.ErrThrottled          // ERATELIMITED
	ErrNoSession          = userauth.ErrNoSession          // EUNAUTHORIZED
	ErrBadCode            = userauth.ErrBadCode            // EUNAUTHORIZED
)

// Service holds the administrator sign-in use cases. Store must be the
// *sqlstore.Store whose schema includes migration 0007_admin_auth.
type Service struct {
	Store  *sqlstore.Store
	Hasher auth.Hasher
	// Sealer encrypts TOTP seeds at rest; the TOTP calls fail without it.
	Sealer *secrets.Sealer
	Now    func() time.Time // default time.Now
	Rand   io.Reader        // default crypto/rand
	Logger *slog.Logger     // default slog.Default()
	// Issuer is the name authenticator apps show for TOTP entries;
	// DefaultIssuer when "".
	Issuer string

	IdleTimeout     time.Duration // default 30 min
	AbsoluteTimeout time.Duration // default 12 h

	// Throttling: at most MaxPerAccount failed sign-ins per account and
	// MaxPerAddress per client address within ThrottleWindow; further
	// attempts are refused without checking the password or code.
	ThrottleWindow time.Duration // default 15 min
	MaxPerAccount  int           // default 5
	MaxPerAddress  int           // default 50

	// Auditor, when set, receives every sign-in attempt.
	Auditor Auditor

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

func orDefault(v, d time.Duration) time.Duration {
	if v <= 0 {
		return d
	}
	return v
}

func (s *Service) idle() time.Duration { return orDefault(s.IdleTimeout, DefaultIdleTimeout) }
func (s *Service) absolute() time.Duration {
	return orDefault(s.AbsoluteTimeout, DefaultAbsoluteTimeout)
}

// dummyHash is verified when the account does not exist or has no
// password, so that the answer takes as long as for a real account.
func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() { s.dummy, _ = s.Hasher.Hash("jumpgate-admin-dummy-password") })
	return s.dummy
}

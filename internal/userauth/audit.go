package userauth

import "context"

// LoginAttempt is one sign-in attempt (password or second factor), for the
// audit trail. It never holds the password or code.
type LoginAttempt struct {
	Login    string // what the user typed as their login
	UserID   string // "" when the account is unknown
	ClientIP string
	Success  bool
	Stage    string // "password" or "second_factor"
	Reason   string // why refused: "wrong password", "throttled", "user is suspended", …
}

// LoginAuditor receives every sign-in attempt. It must not fail the login;
// it handles its own errors.
type LoginAuditor interface {
	LoginAttempt(ctx context.Context, a LoginAttempt)
}

func (s *Service) audit(ctx context.Context, a LoginAttempt) {
	if s.Auditor != nil {
		s.Auditor.LoginAttempt(ctx, a)
	}
}

package adminauth

import "context"

// Attempt is one administrator sign-in attempt (password or second factor),
// for the audit trail. It never holds the password or the code.
type Attempt struct {
	Email    string // what was typed as the e-mail (the admin's own for the second factor)
	AdminID  string // "" when the account is unknown
	ClientIP string
	Success  bool
	Stage    string // "password" or "second_factor"
	Reason   string // why refused: "wrong password", "unknown account", "throttled", "wrong code", …
}

// The stages of an Attempt.
const (
	StagePassword     = "password"
	StageSecondFactor = "second_factor"
)

// Auditor receives every sign-in attempt. It must not fail the sign-in; it
// handles its own errors.
type Auditor interface {
	AdminLoginAttempt(ctx context.Context, a Attempt)
}

func (s *Service) audit(ctx context.Context, a Attempt) {
	if s.Auditor != nil {
		s.Auditor.AdminLoginAttempt(ctx, a)
	}
}

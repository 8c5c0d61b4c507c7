package insights

import (
	"context"
	"log/slog"

	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

// AuthRecorder stores authentication outcomes: user sign-ins (it
// implements userauth.LoginAuditor) and refused admin API keys. Failed
// writes are logged; they never fail the request.
type AuthRecorder struct {
	Store  *Store
	Logger *slog.Logger
}

func (r AuthRecorder) record(ctx context.Context, e Event) {
	if err := r.Store.Record(context.WithoutCancel(ctx), e); err != nil {
		l := r.Logger
		if l == nil {
			l = slog.Default()
		}
		l.ErrorContext(ctx, "insights: recording event failed", "event_type", e.EventType, "err", err)
	}
}

// LoginEvent translates a user sign-in attempt into its event.
func LoginEvent(a userauth.LoginAttempt) Event {
	e := Event{
		EventType:    UserLoginAttempt,
		Service:      ServiceUserPortal,
		ClientIP:     a.ClientIP,
		InitiatedBy:  Initiator{ID: a.UserID, Type: "user"},
		Success:      a.Success,
		Resource:     &Resource{ID: a.UserID, Type: "user", Name: a.Login},
		ErrorMessage: a.Reason,
		Details:      map[string]string{"stage": a.Stage},
	}
	if a.UserID == "" {
		e.InitiatedBy.Type = "anonymous"
	}
	if a.Reason != "" {
		e.Details["reason"] = a.Reason
	}
	return e
}

// LoginAttempt records a user sign-in attempt as user_login_attempt.
func (r AuthRecorder) LoginAttempt(ctx context.Context, a userauth.LoginAttempt) {
	r.record(ctx, LoginEvent(a))
}

// APIKeyAuthFailure records a refused admin API request as
// admin_api_key_auth_failure. reason must not contain the presented key.
func (r AuthRecorder) APIKeyAuthFailure(ctx context.Context, clientIP, reason string) {
	r.record(ctx, Event{EventType: AdminAPIKeyAuthFailure, Service: ServiceAdmin, ClientIP: clientIP,
		InitiatedBy: Initiator{Type: "api_key"}, ErrorMessage: reason})
}

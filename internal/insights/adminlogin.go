package insights

import (
	"context"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
)

// AuthRecorder implements adminauth.Auditor as well.
var _ adminauth.Auditor = AuthRecorder{}

// AdminLoginEvent translates an administrator sign-in attempt into its
// event: initiated by the admin (anonymous when the e-mail is unknown),
// about the admin account, with the refusal reason as error_message and the
// stage and reason in details.
func AdminLoginEvent(a adminauth.Attempt) Event {
	e := Event{
		EventType:    AdminLoginAttempt,
		Service:      ServiceAdmin,
		ClientIP:     a.ClientIP,
		InitiatedBy:  Initiator{ID: a.AdminID, Type: "admin", Email: a.Email},
		Success:      a.Success,
		Resource:     &Resource{ID: a.AdminID, Type: "admin", Email: a.Email},
		ErrorMessage: a.Reason,
		Details:      map[string]string{"stage": a.Stage},
	}
	if a.AdminID == "" {
		e.InitiatedBy.Type = "anonymous"
	}
	if a.Reason != "" {
		e.Details["reason"] = a.Reason
	}
	return e
}

// AdminLoginAttempt records an administrator sign-in attempt as
// admin_login_attempt.
func (r AuthRecorder) AdminLoginAttempt(ctx context.Context, a adminauth.Attempt) {
	r.record(ctx, AdminLoginEvent(a))
}

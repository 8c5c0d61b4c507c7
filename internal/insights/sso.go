package insights

import (
	"context"
	"log/slog"

	"github.com/jumpgate-idp/jumpgate/internal/web/sso"
)

// SSORecorder stores every SSO decision as an sso_auth event; it
// implements sso.Recorder. A failed write is logged and also passed to
// Fallback (when set) so that no decision goes unrecorded.
type SSORecorder struct {
	Store    *Store
	Logger   *slog.Logger
	Fallback sso.Recorder
}

// SSOEvent translates an SSO decision into its event.
func SSOEvent(e sso.SSOEvent) Event {
	ev := Event{
		EventType:   SSOAuth,
		Service:     ServiceSSO,
		Timestamp:   e.Time,
		ClientIP:    e.ClientIP,
		InitiatedBy: Initiator{Type: "anonymous"},
		Success:     e.Decision == sso.DecisionIssued,
		Details:     map[string]string{"decision": e.Decision, "initiated": e.Initiated},
	}
	if e.UserID != "" {
		ev.InitiatedBy = Initiator{ID: e.UserID, Type: "user", Email: e.UserEmail}
		ev.Resource = &Resource{ID: e.UserID, Type: "user", Email: e.UserEmail}
	}
	if e.AppID != "" || e.AppSlug != "" {
		ev.Application = &Application{ID: e.AppID, Name: e.AppSlug, DisplayLabel: e.AppLabel}
	}
	if e.Reason != "" {
		ev.ErrorMessage = e.Reason
		ev.Details["reason"] = e.Reason
	}
	if e.SPEntityID != "" {
		ev.Details["sp_entity_id"] = e.SPEntityID
	}
	if e.RequestID != "" {
		ev.Details["request_id"] = e.RequestID
	}
	return ev
}

// Record stores e; it never fails the request.
func (r SSORecorder) Record(ctx context.Context, e sso.SSOEvent) {
	if err := r.Store.Record(context.WithoutCancel(ctx), SSOEvent(e)); err != nil {
		l := r.Logger
		if l == nil {
			l = slog.Default()
		}
		l.ErrorContext(ctx, "insights: recording SSO decision failed", "err", err)
		if r.Fallback != nil {
			r.Fallback.Record(ctx, e)
		}
	}
}

package provision

import (
	"context"
	"log/slog"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
)

// Event names, as the integration guide lists them.
const (
	EvIntegrationActivate = "idm_integration_activate"
	EvIntegrationUpdate   = "idm_integration_update"
	EvIntegrationReauth   = "idm_integration_reauth"
	EvIntegrationDelete   = "idm_integration_delete"
	EvUserCreate          = "user_create_provision"
	EvUserUpdate          = "user_update_provision"
	EvUserDeprovision     = "user_deprovision"
	EvUserDelete          = "user_delete_provision"
	EvUserLookup          = "user_lookup_provision"
	EvGroupCreate         = "group_create_provision"
	EvGroupUpdate         = "group_update_provision"
	EvGroupDelete         = "group_delete_provision"
)

// Event is one provisioning attempt or integration change.
type Event struct {
	Name      string
	At        time.Time
	AppID     string
	Subject   string // "user" or "group"; "" for integration events
	SubjectID string
	RemoteID  string
	Success   bool
	Status    int    // the application's HTTP status, 0 when none
	ScimType  string // from the application's error
	Detail    string // the application's own text, or ours
	Changes   []connector.FieldChange
	Initiator string // "system", "admin:<id>", "sync"
}

// EventSink receives every Event. Record must not block for long.
type EventSink interface {
	Record(ctx context.Context, ev Event) error
}

// SlogSink writes events to a slog.Logger (the default sink).
type SlogSink struct{ Log *slog.Logger }

// Record logs ev at Info (success) or Warn (failure).
func (s SlogSink) Record(ctx context.Context, ev Event) error {
	l := s.Log
	if l == nil {
		l = slog.Default()
	}
	lvl := slog.LevelInfo
	if !ev.Success {
		lvl = slog.LevelWarn
	}
	l.Log(ctx, lvl, ev.Name, "app", ev.AppID, "subject", ev.Subject, "subjectId", ev.SubjectID,
		"remoteId", ev.RemoteID, "success", ev.Success, "status", ev.Status, "scimType", ev.ScimType,
		"detail", ev.Detail, "changes", len(ev.Changes), "initiator", ev.Initiator)
	return nil
}

// fill sets the error fields of ev from err.
func (ev *Event) fill(err error) {
	ev.Success = err == nil
	if err == nil {
		return
	}
	if ce := connector.AsError(err); ce != nil {
		ev.Status = ce.HTTPStatus
		ev.ScimType = ce.SCIMType
		ev.Detail = ce.Detail
	}
	if ev.Detail == "" {
		ev.Detail = err.Error()
	}
}

package provisionsink

import (
	"context"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
)

var _ provision.EventSink = Sink{}

// Sink records provisioning events in an insights.Store.
type Sink struct{ Store *insights.Store }

// Record stores ev as its Directory Insights event, with the names of the
// application, the user or group and the admin looked up.
func (s Sink) Record(ctx context.Context, ev provision.Event) error {
	e := Event(ev)
	if s.Store.DB != nil {
		if err := describe(ctx, s.Store.DB, &e); err != nil {
			return err
		}
	}
	return s.Store.Record(ctx, e)
}

// Event translates a provisioning event: the SCIM event type of the same
// name, the application, the subject as the resource, the application's
// HTTP status, scimType and detail, and the initiator ("admin:<id>" becomes
// an admin initiator).
func Event(ev provision.Event) insights.Event {
	e := insights.Event{
		EventType:   insights.EventType(ev.Name),
		Service:     insights.ServiceSCIM,
		Timestamp:   ev.At,
		Success:     ev.Success,
		Application: &insights.Application{ID: ev.AppID},
		InitiatedBy: insights.Initiator{Type: ev.Initiator},
	}
	if id, ok := strings.CutPrefix(ev.Initiator, "admin:"); ok {
		e.InitiatedBy = insights.Initiator{Type: "admin", ID: id}
	}
	if ev.Subject != "" {
		e.Resource = &insights.Resource{ID: ev.SubjectID, Type: ev.Subject}
	}
	if ev.Status != 0 || ev.ScimType != "" || ev.Detail != "" {
		e.Provisioning = &insights.Provisioning{HTTPStatus: ev.Status, SCIMType: ev.ScimType, Detail: ev.Detail}
	}
	if !ev.Success {
		e.ErrorMessage = ev.Detail
	}
	if ev.RemoteID != "" {
		e.Details = map[string]string{"remote_id": ev.RemoteID}
	}
	for _, c := range ev.Changes {
		e.Changes = append(e.Changes, insights.Change{Field: c.Field, From: c.From, To: c.To})
	}
	return e
}

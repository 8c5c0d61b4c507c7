package insights

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// TimeFormat renders event timestamps: RFC 3339, milliseconds, UTC, Z.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// Initiator is who caused an event.
type Initiator struct {
	ID    string `json:"id,omitempty"`
	Type  string `json:"type,omitempty"` // admin, user, system, api_key, anonymous, scim
	Email string `json:"email,omitempty"`
}

// Resource is what an event is about.
type Resource struct {
	ID    string `json:"id,omitempty"`
	Type  string `json:"type,omitempty"` // user, group, application, api_key
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// Application is the application an event concerns.
type Application struct {
	ID           string `json:"id,omitempty"`
	Name         string `json:"name,omitempty"`
	DisplayLabel string `json:"display_label,omitempty"`
}

// Change is one attribute's old and new value.
type Change struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// Provisioning describes a SCIM exchange with an application.
type Provisioning struct {
	HTTPStatus int    `json:"http_status,omitempty"`
	SCIMType   string `json:"scim_type,omitempty"`
	Detail     string `json:"detail,omitempty"`
}

// Event is one Directory Insights event.
type Event struct {
	ID           string        `json:"id"`
	EventType    EventType     `json:"event_type"`
	Service      Service       `json:"service"`
	Organization string        `json:"organization"`
	Timestamp    time.Time     `json:"-"`
	ClientIP     string        `json:"client_ip,omitempty"`
	InitiatedBy  Initiator     `json:"initiated_by"`
	Success      bool          `json:"success"`
	Resource     *Resource     `json:"resource,omitempty"`
	Application  *Application  `json:"application,omitempty"`
	Changes      []Change      `json:"changes,omitempty"`
	ErrorMessage string        `json:"error_message,omitempty"`
	Provisioning *Provisioning `json:"provisioning,omitempty"`
	// Details holds type-specific extras (e.g. the SSO decision and reason).
	Details map[string]string `json:"details,omitempty"`
}

type eventJSON struct {
	*eventAlias
	Timestamp string `json:"timestamp"`
}

type eventAlias Event

// MarshalJSON renders Timestamp with TimeFormat.
func (e Event) MarshalJSON() ([]byte, error) {
	a := eventAlias(e)
	return json.Marshal(eventJSON{eventAlias: &a, Timestamp: e.Timestamp.UTC().Format(TimeFormat)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (e *Event) UnmarshalJSON(b []byte) error {
	v := eventJSON{eventAlias: (*eventAlias)(e)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v.Timestamp != "" {
		t, err := time.Parse(time.RFC3339Nano, v.Timestamp)
		if err != nil {
			return fmt.Errorf("insights: timestamp: %w", err)
		}
		e.Timestamp = t.UTC()
	}
	return nil
}

// searchText is what search terms match: the event's identifying strings,
// lower-cased, joined by U+001F.
func (e *Event) searchText() string {
	parts := []string{string(e.EventType), e.ClientIP, e.InitiatedBy.ID, e.InitiatedBy.Email, e.ErrorMessage}
	if e.Resource != nil {
		parts = append(parts, e.Resource.ID, e.Resource.Name, e.Resource.Email)
	}
	if e.Application != nil {
		parts = append(parts, e.Application.ID, e.Application.Name, e.Application.DisplayLabel)
	}
	for _, c := range e.Changes {
		parts = append(parts, c.Field, clip(c.From), clip(c.To))
	}
	for _, v := range e.Details {
		parts = append(parts, v)
	}
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(0x1f)
		}
		b.WriteString(strings.ToLower(p))
	}
	return b.String()
}

func clip(s string) string {
	if len(s) > 200 {
		return strings.ToValidUTF8(s[:200], "")
	}
	return s
}

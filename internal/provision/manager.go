package provision

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Manager keeps applications' identity-management settings and marks the
// keys that a change of settings makes dirty.
type Manager struct {
	Store    *sqlstore.Store
	Sealer   *secrets.Sealer
	Registry *connector.Registry
	Events   EventSink
	// HTTPClient is handed to connectors (default: a plain client).
	HTTPClient *http.Client
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now().UTC()
	}
	return time.Now().UTC()
}

func (m *Manager) record(ctx context.Context, ev Event) {
	ev.At = m.now()
	if m.Events != nil {
		_ = m.Events.Record(ctx, ev)
	}
}

// Get returns an application's settings (defaults when never configured).
func (m *Manager) Get(ctx context.Context, appID string) (*Settings, error) {
	var out Settings
	err := m.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		s, _, err := loadSettings(ctx, tx, appID)
		if err != nil {
			return err
		}
		out = s.Settings
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Configure changes base URL, token and the groups switch. The token of an
// active Quip integration may only change through Reauth while deactivated.
func (m *Manager) Configure(ctx context.Context, initiator, appID string, upd SettingsUpdate) (*Settings, error) {
	if upd.BaseURL != nil {
		if err := checkBaseURL(*upd.BaseURL); err != nil {
			return nil, err
		}
	}
	if upd.Token != nil {
		if err := checkToken(*upd.Token); err != nil {
			return nil, err
		}
	}
	var out Settings
	var fields []connector.FieldChange
	err := m.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		s, _, err := loadSettings(ctx, tx, appID)
		if err != nil {
			return err
		}
		fields = nil
		if upd.Token != nil && s.Active {
			return directory.Conflict("token", "deactivate the integration before changing its token (deactivate, change the token, activate)")
		}
		if upd.BaseURL != nil && *upd.BaseURL != s.BaseURL {
			if s.Active {
				return directory.Conflict("baseUrl", "deactivate the integration before changing its base URL")
			}
			fields = append(fields, connector.FieldChange{Field: "baseUrl", From: s.BaseURL, To: *upd.BaseURL})
			s.BaseURL = *upd.BaseURL
		}
		groupsOn := false
		if upd.GroupsEnabled != nil && *upd.GroupsEnabled != s.GroupsEnabled {
			fields = append(fields, connector.FieldChange{Field: "groupsEnabled", From: fmt.Sprint(s.GroupsEnabled), To: fmt.Sprint(*upd.GroupsEnabled)})
			s.GroupsEnabled = *upd.GroupsEnabled
			groupsOn = s.GroupsEnabled
		}
		if upd.Token != nil {
			if err := m.seal(s, *upd.Token); err != nil {
				return err
			}
			fields = append(fields, connector.FieldChange{Field: "token", To: "…" + s.TokenLast4})
		}
		if err := saveSettings(ctx, tx, s, sqlstore.TimeValue(m.now())); err != nil {
			return err
		}
		if groupsOn && s.Active {
			if err := markApp(ctx, tx, appID, m.now()); err != nil {
				return err
			}
		}
		out = s.Settings
		return nil
	})
	if err != nil || len(fields) > 0 {
		ev := Event{Name: EvIntegrationUpdate, AppID: appID, Changes: fields, Initiator: initiator}
		ev.fill(err)
		m.record(ctx, ev)
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (m *Manager) seal(s *storedSettings, tok string) error {
	if m.Sealer == nil {
		return fmt.Errorf("provision: no sealer configured")
	}
	sealed, err := m.Sealer.Seal([]byte(tok), []byte("idm:"+s.AppID))
	if err != nil {
		return fmt.Errorf("provision: seal token: %w", err)
	}
	s.sealed, s.TokenLast4, s.HasToken = sealed, last4(tok), true
	return nil
}

// Reauth replaces the token. For Quip only while deactivated.
func (m *Manager) Reauth(ctx context.Context, initiator, appID, token string) (*Settings, error) {
	if err := checkToken(token); err != nil {
		return nil, err
	}
	var out Settings
	err := m.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		s, _, err := loadSettings(ctx, tx, appID)
		if err != nil {
			return err
		}
		if s.Active && s.Kind == "quip" {
			return directory.Conflict("token", "Quip's token can only be changed while the integration is deactivated: deactivate, change the token, then activate")
		}
		if err := m.seal(s, token); err != nil {
			return err
		}
		if err := saveSettings(ctx, tx, s, sqlstore.TimeValue(m.now())); err != nil {
			return err
		}
		out = s.Settings
		return nil
	})
	ev := Event{Name: EvIntegrationReauth, AppID: appID, Initiator: initiator}
	ev.fill(err)
	m.record(ctx, ev)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Activate tests the connection with the stored settings, then turns
// syncing on and marks every relevant key dirty. A refused test answers a
// conflict carrying the application's own error text.
func (m *Manager) Activate(ctx context.Context, initiator, appID string) (*Settings, error) {
	var s *storedSettings
	err := m.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		s, _, err = loadSettings(ctx, tx, appID)
		return err
	})
	if err != nil {
		return nil, err
	}
	cfg, err := m.connectorConfig(s)
	if err != nil {
		return nil, err
	}
	err = m.testConnection(ctx, cfg)
	ev := Event{Name: EvIntegrationActivate, AppID: appID, Initiator: initiator}
	ev.fill(err)
	if err != nil {
		m.record(ctx, ev)
		detail := err.Error()
		if ce := connector.AsError(err); ce != nil && ce.Detail != "" {
			detail = ce.Detail
			if ce.HTTPStatus != 0 {
				detail = fmt.Sprintf("HTTP %d: %s", ce.HTTPStatus, ce.Detail)
			}
		}
		return nil, directory.Conflict("connection", "the application refused the connection test: "+detail)
	}
	var out Settings
	err = m.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		cur, _, err := loadSettings(ctx, tx, appID)
		if err != nil {
			return err
		}
		if cur.sealed != s.sealed || cur.BaseURL != s.BaseURL {
			return directory.Conflict("token", "the settings changed during the connection test; activate again")
		}
		cur.Active = true
		if err := saveSettings(ctx, tx, cur, sqlstore.TimeValue(m.now())); err != nil {
			return err
		}
		out = cur.Settings
		return markApp(ctx, tx, appID, m.now())
	})
	ev.fill(err)
	m.record(ctx, ev)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (m *Manager) testConnection(ctx context.Context, cfg connector.Config) error {
	if m.Registry == nil {
		return fmt.Errorf("provision: no connector registry")
	}
	c, err := m.Registry.Open(ctx, cfg)
	if err != nil {
		return err
	}
	return c.TestConnection(ctx)
}

// Deactivate stops syncing at once (event idm_integration_delete, as the
// guide names deactivation); the queue is kept (activation marks
// every key again anyway) and nothing changes in the application.
func (m *Manager) Deactivate(ctx context.Context, initiator, appID string) (*Settings, error) {
	var out Settings
	err := m.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		s, _, err := loadSettings(ctx, tx, appID)
		if err != nil {
			return err
		}
		s.Active = false
		out = s.Settings
		return saveSettings(ctx, tx, s, sqlstore.TimeValue(m.now()))
	})
	ev := Event{Name: EvIntegrationDelete, AppID: appID, Initiator: initiator,
		Changes: []connector.FieldChange{{Field: "active", From: "true", To: "false"}}}
	ev.fill(err)
	m.record(ctx, ev)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

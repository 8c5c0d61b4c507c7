package provision

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Settings are an application's identity-management settings as shown to
// admins: the token itself is never returned, only its last four characters.
type Settings struct {
	AppID         string `json:"appId"`
	Kind          string `json:"kind"`
	BaseURL       string `json:"baseUrl"`
	TokenLast4    string `json:"tokenLast4,omitempty"`
	HasToken      bool   `json:"hasToken"`
	GroupsEnabled bool   `json:"groupsEnabled"`
	Active        bool   `json:"active"`
}

// SettingsUpdate changes settings; nil fields are kept.
type SettingsUpdate struct {
	BaseURL       *string `json:"baseUrl,omitempty"`
	Token         *string `json:"token,omitempty"`
	GroupsEnabled *bool   `json:"groupsEnabled,omitempty"`
}

type storedSettings struct {
	Settings
	sealed string
}

// appKind returns the IdM kind of the app's catalog template, ENOTFOUND
// for no app, EINVALID when the template has no identity management.
func appKind(ctx context.Context, tx *sqlstore.Tx, appID string) (string, error) {
	var tpl string
	err := tx.QueryRow(ctx, `SELECT template_id FROM apps WHERE id = ?`, appID).Scan(&tpl)
	if errors.Is(err, sql.ErrNoRows) {
		return "", directory.NotFound("app", appID)
	}
	if err != nil {
		return "", fmt.Errorf("provision: read app: %w", err)
	}
	t, err := catalog.Get(tpl)
	if err != nil || t.Capabilities.IdentityManagement == "" {
		return "", directory.Invalid(directory.FieldError{Field: "appId", Reason: "the application's template has no identity management"})
	}
	return t.Capabilities.IdentityManagement, nil
}

// loadSettings reads stored settings; a missing row gives the defaults
// (kind from the template, groups enabled, inactive).
func loadSettings(ctx context.Context, tx *sqlstore.Tx, appID string) (*storedSettings, bool, error) {
	kind, err := appKind(ctx, tx, appID)
	if err != nil {
		return nil, false, err
	}
	s := &storedSettings{Settings: Settings{AppID: appID, Kind: kind, GroupsEnabled: true}}
	var groups, active int
	err = tx.QueryRow(ctx, `SELECT base_url, token_sealed, token_last4, groups_enabled, active FROM app_idm WHERE app_id = ?`, appID).
		Scan(&s.BaseURL, &s.sealed, &s.TokenLast4, &groups, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return s, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("provision: read settings: %w", err)
	}
	s.GroupsEnabled, s.Active, s.HasToken = groups != 0, active != 0, s.sealed != ""
	return s, true, nil
}

func saveSettings(ctx context.Context, tx *sqlstore.Tx, s *storedSettings, now int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO app_idm (app_id, kind, base_url, token_sealed, token_last4, groups_enabled, active, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (app_id) DO UPDATE SET kind = excluded.kind, base_url = excluded.base_url, token_sealed = excluded.token_sealed,
token_last4 = excluded.token_last4, groups_enabled = excluded.groups_enabled, active = excluded.active, updated_at = excluded.updated_at`,
		s.AppID, s.Kind, s.BaseURL, s.sealed, s.TokenLast4, b2i(s.GroupsEnabled), b2i(s.Active), now)
	if err != nil {
		return fmt.Errorf("provision: save settings: %w", err)
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkBaseURL accepts an absolute http(s) URL without credentials.
func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(s) > 2048 {
		return directory.Invalid(directory.FieldError{Field: "baseUrl", Reason: "must be an absolute http(s) URL without credentials"})
	}
	return nil
}

func checkToken(tok string) error {
	if tok == "" || len(tok) > 4096 || strings.ContainsAny(tok, " \t\r\n") {
		return directory.Invalid(directory.FieldError{Field: "token", Reason: "must be a non-empty token without spaces, at most 4096 characters"})
	}
	return nil
}

func last4(tok string) string {
	if len(tok) <= 4 {
		return ""
	}
	return tok[len(tok)-4:]
}

// connectorConfig returns the connector configuration of s (token opened).
func (m *Manager) connectorConfig(s *storedSettings) (connector.Config, error) {
	if s.sealed == "" || s.BaseURL == "" {
		return connector.Config{}, directory.Invalid(directory.FieldError{Field: "token", Reason: "base URL and token must be set first"})
	}
	if m.Sealer == nil {
		return connector.Config{}, errors.New("provision: no sealer configured")
	}
	tok, err := m.Sealer.Open(s.sealed, []byte("idm:"+s.AppID))
	if err != nil {
		return connector.Config{}, fmt.Errorf("provision: open token: %w", err)
	}
	return connector.Config{Kind: s.Kind, BaseURL: s.BaseURL, Token: string(tok), GroupsEnabled: s.GroupsEnabled,
		HTTPClient: m.HTTPClient, Now: m.now}, nil
}

package apiclient

import (
	"context"

	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

// GetIdM returns an application's identity-management settings.
func (c *Client) GetIdM(ctx context.Context, appID string) (*provision.Settings, error) {
	var s provision.Settings
	return &s, c.do(ctx, "GET", "/api/v1/apps/"+esc(appID)+"/idm", nil, nil, &s)
}

// PutIdM changes an application's identity-management settings.
func (c *Client) PutIdM(ctx context.Context, appID string, in api.IdMSettingsInput) (*provision.Settings, error) {
	var s provision.Settings
	return &s, c.do(ctx, "PUT", "/api/v1/apps/"+esc(appID)+"/idm", nil, in, &s)
}

// IdMAction posts activate or deactivate.
func (c *Client) IdMAction(ctx context.Context, appID, action string) (*provision.Settings, error) {
	var s provision.Settings
	return &s, c.do(ctx, "POST", "/api/v1/apps/"+esc(appID)+"/idm/"+esc(action), nil, nil, &s)
}

// ReauthIdM replaces the token.
func (c *Client) ReauthIdM(ctx context.Context, appID, token string) (*provision.Settings, error) {
	var s provision.Settings
	return &s, c.do(ctx, "POST", "/api/v1/apps/"+esc(appID)+"/idm/reauth", nil, api.IdMReauthInput{Token: token}, &s)
}

// IdMStatus returns the sync health.
func (c *Client) IdMStatus(ctx context.Context, appID string) (*provision.Status, error) {
	var s provision.Status
	return &s, c.do(ctx, "GET", "/api/v1/apps/"+esc(appID)+"/idm/status", nil, nil, &s)
}

// IdMSync syncs one user or group now.
func (c *Client) IdMSync(ctx context.Context, appID string, in api.IdMSyncInput) (*provision.Outcome, error) {
	var o provision.Outcome
	return &o, c.do(ctx, "POST", "/api/v1/apps/"+esc(appID)+"/idm/sync", nil, in, &o)
}

// IdMPlan returns the dry-run plan.
func (c *Client) IdMPlan(ctx context.Context, appID string) (*provision.Plan, error) {
	var p provision.Plan
	return &p, c.do(ctx, "GET", "/api/v1/apps/"+esc(appID)+"/idm/plan", nil, nil, &p)
}

// IdMEndSessions ends a user's sessions in the application.
func (c *Client) IdMEndSessions(ctx context.Context, appID, userID string) (*provision.Outcome, error) {
	var o provision.Outcome
	return &o, c.do(ctx, "POST", "/api/v1/apps/"+esc(appID)+"/idm/users/"+esc(userID)+"/end-sessions", nil, nil, &o)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
)

// The demo's Quip application.
const (
	demoAppLabel = "Quip"
	demoAppSlug  = "quip"
)

// Connect wires Jumpgate, listening at baseURL, and quipsim together, as an
// admin would by following the integration guide: the Quip application
// from the catalog with "Quip Users" bound, SSO metadata exchanged both
// ways, and identity management activated with a SCIM token of acme. It
// runs at every start and changes only what the URLs or a lost token make
// stale, so a second start with the same addresses writes nothing. Since an
// application's IdP URL never changes, a new Jumpgate URL means deleting
// and recreating the application (AppRecreatedFrom says so).
func (d *Demo) Connect(ctx context.Context, baseURL string, idm *provision.Manager) error {
	baseURL = strings.TrimRight(baseURL, "/")
	if d.Service.BaseURL == "" {
		d.Service.BaseURL = baseURL
	}
	if strings.TrimRight(d.Service.BaseURL, "/") != baseURL {
		return fmt.Errorf("demo: the service's base URL %s is not %s", d.Service.BaseURL, baseURL)
	}
	if d.Quip == nil {
		return errors.New("demo: quipsim is not running (DemoOptions.QuipsimAddr is empty)")
	}
	if d.Service.Sealer == nil {
		sealer, err := secrets.New(d.MasterKey)
		if err != nil {
			return err
		}
		d.Service.Sealer = sealer
	}
	newToken, err := d.ensureQuipToken(ctx)
	if err != nil {
		return err
	}
	if err := d.seedQuipOnlyUsers(ctx); err != nil {
		return err
	}
	if err := d.ensureApp(ctx, baseURL+"/saml2/"+demoAppSlug); err != nil {
		return err
	}
	if err := d.exchangeMetadata(ctx); err != nil {
		return err
	}
	if err := d.ensureIdM(ctx, idm, newToken); err != nil {
		return err
	}
	return d.refreshUsers(ctx)
}

// ensureApp finds the Quip application, or makes it from the catalog and
// binds "Quip Users" to it. An application whose IdP URL is not idpURL is
// deleted and made again.
func (d *Demo) ensureApp(ctx context.Context, idpURL string) error {
	var app *directory.App
	err := d.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		app, err = tx.GetAppBySlug(ctx, demoAppSlug)
		return err
	})
	if err != nil && directory.ErrorCode(err) != directory.ENOTFOUND {
		return fmt.Errorf("demo: Quip application: %w", err)
	}
	if app != nil && app.TemplateID != "quip" {
		return fmt.Errorf("demo: the application %q at /saml2/%s is not made from the Quip template; start from scratch with --reset", app.Label, demoAppSlug)
	}
	if app != nil && app.IdPURL != idpURL {
		if err := d.Service.DeleteApps(ctx, d.actor(), []string{app.ID}, 1); err != nil {
			return fmt.Errorf("demo: delete the Quip application of %s: %w", app.IdPURL, err)
		}
		d.AppRecreatedFrom, app = app.IdPURL, nil
	}
	if app != nil {
		d.App = app
		return nil
	}
	app, err = d.Service.CreateApp(ctx, d.actor(), lifecycle.NewApp{TemplateID: "quip", Label: demoAppLabel, IdPURL: idpURL,
		Description: "quipsim, the Quip-compatible service of the demo"})
	if err != nil {
		return fmt.Errorf("demo: create the Quip application: %w", err)
	}
	d.App = app
	d.Created++
	g, err := d.groupByName(ctx, demoQuipUsers)
	if directory.ErrorCode(err) == directory.ENOTFOUND {
		return nil // deleted by the admin: nothing to bind
	}
	if err != nil {
		return fmt.Errorf("demo: group %s: %w", demoQuipUsers, err)
	}
	if _, err := d.Service.BindGroups(ctx, d.actor(), app.ID, []string{g.ID}); err != nil {
		return fmt.Errorf("demo: bind %s to Quip: %w", demoQuipUsers, err)
	}
	return nil
}

// exchangeMetadata gives quipsim Jumpgate's IdP metadata of the application
// (quipsim serves its SP metadata only once it knows its IdP), then
// imports quipsim's SP metadata into the application's SSO settings, which
// writes nothing when they are already current.
func (d *Demo) exchangeMetadata(ctx context.Context) error {
	idpMD, _, err := d.Service.Metadata(ctx, d.App.ID)
	if err != nil {
		return fmt.Errorf("demo: IdP metadata: %w", err)
	}
	if err := d.Quip.SetIdPMetadata(ctx, d.QuipCompany.ID, idpMD); err != nil {
		return fmt.Errorf("demo: give quipsim the IdP metadata: %w", err)
	}
	spMD, err := d.quipSPMetadata(ctx)
	if err != nil {
		return err
	}
	if _, err := d.Service.ImportSPMetadata(ctx, d.actor(), d.App.ID, spMD); err != nil {
		return fmt.Errorf("demo: import quipsim's SP metadata: %w", err)
	}
	return nil
}

// ensureIdM leaves identity management alone when it is active with
// quipsim's SCIM base URL and the current token; otherwise it deactivates
// it, sets the base URL and the token, and activates it (which tests the
// connection and marks every user and group of the bound groups for
// provisioning).
func (d *Demo) ensureIdM(ctx context.Context, idm *provision.Manager, newToken bool) error {
	if idm == nil {
		return errors.New("demo: identity management is not wired")
	}
	who := "admin:" + d.Admin.ID
	base := d.QuipSCIMBaseURL()
	s, err := idm.Get(ctx, d.App.ID)
	if err != nil {
		return fmt.Errorf("demo: identity management: %w", err)
	}
	if s.Active && s.BaseURL == base && s.HasToken && s.TokenLast4 == last4of(d.QuipToken) && !newToken {
		return nil
	}
	if s.Active {
		if _, err := idm.Deactivate(ctx, who, d.App.ID); err != nil {
			return fmt.Errorf("demo: deactivate identity management: %w", err)
		}
	}
	on := true
	if _, err := idm.Configure(ctx, who, d.App.ID, provision.SettingsUpdate{BaseURL: &base, Token: &d.QuipToken, GroupsEnabled: &on}); err != nil {
		return fmt.Errorf("demo: configure identity management: %w", err)
	}
	if _, err := idm.Activate(ctx, who, d.App.ID); err != nil {
		return fmt.Errorf("demo: activate identity management: %w", err)
	}
	return nil
}

func last4of(s string) string {
	if len(s) < 4 {
		return s
	}
	return s[len(s)-4:]
}

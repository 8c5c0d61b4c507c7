package sso

import (
	"context"
	"sort"

	"github.com/jumpgate-idp/jumpgate/internal/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
)

// Catalogue implements Apps (and the console's Apps) on the application use
// cases and the directory store.
type Catalogue struct {
	Service *lifecycle.Service
}

// SSOApp returns the app with its samlidp configuration. An app whose SSO
// is deactivated or not configured comes back without Config.Key, so the
// endpoints refuse it with the right page.
func (c Catalogue) SSOApp(ctx context.Context, slug string) (*App, error) {
	sa, err := c.Service.SAMLAppBySlug(ctx, slug)
	if err == nil {
		return &App{App: sa.App, SSO: sa.SSO, Config: *sa.Config}, nil
	}
	if directory.ErrorCode(err) != directory.EPRECONDITION {
		return nil, err
	}
	var out App
	err = c.Service.Store.View(ctx, func(tx directory.Tx) error {
		a, err := tx.GetAppBySlug(ctx, slug)
		if err != nil {
			return err
		}
		s, err := tx.GetAppSSO(ctx, a.ID)
		if err != nil {
			return err
		}
		out.App, out.SSO = *a, *s
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UserMayUseApp is lifecycle.UserMayUseApp in a read transaction.
func (c Catalogue) UserMayUseApp(ctx context.Context, userID, appID string) (bool, error) {
	var may bool
	err := c.Service.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		may, err = lifecycle.UserMayUseApp(ctx, tx, userID, appID)
		return err
	})
	return may, err
}

// Metadata returns the IdP metadata of the app with the slug.
func (c Catalogue) Metadata(ctx context.Context, slug string) ([]byte, error) {
	var id string
	if err := c.Service.Store.View(ctx, func(tx directory.Tx) error {
		a, err := tx.GetAppBySlug(ctx, slug)
		if err != nil {
			return err
		}
		id = a.ID
		return nil
	}); err != nil {
		return nil, err
	}
	md, _, err := c.Service.Metadata(ctx, id)
	return md, err
}

// PortalApps lists, by label, the apps shown in the portal that are bound
// to a group of the user, when the user is activated, and that have a
// bookmark URL or SAML sign-in.
func (c Catalogue) PortalApps(ctx context.Context, userID string) ([]directory.App, error) {
	var out []directory.App
	err := c.Service.Store.View(ctx, func(tx directory.Tx) error {
		u, err := tx.GetUser(ctx, userID)
		if err != nil || !u.Active() {
			return err
		}
		groups, err := tx.GroupIDsOfUser(ctx, userID)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, g := range groups {
			for offset := 0; ; {
				apps, total, err := tx.ListApps(ctx, directory.AppFilter{GroupID: g, Offset: offset, Limit: directory.MaxPageSize})
				if err != nil {
					return err
				}
				for _, a := range apps {
					if a.ShowInPortal && !seen[a.ID] && launchable(&a) {
						seen[a.ID] = true
						out = append(out, a)
					}
				}
				offset += len(apps)
				if len(apps) == 0 || offset >= total {
					break
				}
			}
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Label != out[j].Label {
			return out[i].Label < out[j].Label
		}
		return out[i].ID < out[j].ID
	})
	return out, err
}

// launchable reports whether a tile can do something: open a bookmark or
// start SAML sign-in (apps that only provision users have no tile).
func launchable(a *directory.App) bool {
	if a.BookmarkURL != "" {
		return true
	}
	tpl, err := catalog.Get(a.TemplateID)
	return err == nil && tpl.Capabilities.SSOSAML
}

// AppImage returns the app's portal image; ENOTFOUND when there is none.
func (c Catalogue) AppImage(ctx context.Context, appID string) (*directory.AppImage, error) {
	var img *directory.AppImage
	err := c.Service.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		img, err = tx.GetAppImage(ctx, appID)
		return err
	})
	return img, err
}

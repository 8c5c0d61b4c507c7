package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

const appCols = "a.id, a.slug, a.template_id, a.label, a.description, a.show_in_portal, a.bookmark_url, a.idp_url, a.sso_active, a.image_type, a.created_at, a.updated_at"

func scanApp(sc scanner) (directory.App, error) {
	var a directory.App
	var created, updated int64
	err := sc.Scan(&a.ID, &a.Slug, &a.TemplateID, &a.Label, &a.Description, &a.ShowInPortal, &a.BookmarkURL,
		&a.IdPURL, &a.SSOActive, &a.ImageType, &created, &updated)
	a.CreatedAt, a.UpdatedAt = TimeOf(created), TimeOf(updated)
	return a, err
}

func appSearchText(a *directory.App) string {
	return searchText(a.Label, a.Slug, a.TemplateID, a.Description)
}

// appConflict names the field of a unique violation on apps.
func appConflict(err error) error {
	name, ok := UniqueConstraint(err)
	if !ok {
		return err
	}
	switch name {
	case "apps_slug_uq", "apps.slug":
		e := directory.Conflict("slug", "an application with this slug (IdP URL name) already exists")
		e.Err = err
		return e
	case "apps_pkey", "apps.id":
		e := directory.Conflict("id", "an application with this id already exists")
		e.Err = err
		return e
	}
	return err
}

// CreateApp inserts a and its SSO settings (empty defaults when sso is nil).
// a's timestamps are set to the stored values.
func (t *Tx) CreateApp(ctx context.Context, a *directory.App, sso *directory.AppSSO) error {
	a.CreatedAt, a.UpdatedAt = normTime(a.CreatedAt), normTime(a.UpdatedAt)
	_, err := t.tx.ExecContext(ctx, Rebind(t.dialect, `INSERT INTO apps (id, slug, template_id, label, label_key, description,
		show_in_portal, bookmark_url, idp_url, sso_active, image_type, search_text, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		a.ID, a.Slug, a.TemplateID, a.Label, strings.ToLower(a.Label), a.Description, a.ShowInPortal, a.BookmarkURL,
		a.IdPURL, a.SSOActive, a.ImageType, appSearchText(a), TimeValue(a.CreatedAt), TimeValue(a.UpdatedAt))
	if err != nil {
		return mapError(appConflict(err))
	}
	if sso == nil {
		sso = &directory.AppSSO{IdPEntityID: a.IdPURL}
		sso.Normalize()
	}
	if sso.UpdatedAt.IsZero() {
		sso.UpdatedAt = a.CreatedAt
	}
	return t.PutAppSSO(ctx, a.ID, sso)
}

func (t *Tx) getApp(ctx context.Context, cond, arg string) (*directory.App, error) {
	a, err := scanApp(t.QueryRow(ctx, "SELECT "+appCols+" FROM apps a WHERE "+cond, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, directory.NotFound("application", arg)
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// GetApp returns the app with id, or ENOTFOUND.
func (t *Tx) GetApp(ctx context.Context, id string) (*directory.App, error) {
	return t.getApp(ctx, "a.id = ?", id)
}

// GetAppBySlug returns the app with the slug, or ENOTFOUND.
func (t *Tx) GetAppBySlug(ctx context.Context, slug string) (*directory.App, error) {
	return t.getApp(ctx, "a.slug = ?", slug)
}

// UpdateApp replaces the editable attributes of the app with a.ID; the
// other fields of a are set from the database.
func (t *Tx) UpdateApp(ctx context.Context, a *directory.App) error {
	a.UpdatedAt = normTime(a.UpdatedAt)
	cur, err := t.GetApp(ctx, a.ID)
	if err != nil {
		return err
	}
	a.Slug, a.TemplateID, a.IdPURL, a.ImageType, a.CreatedAt = cur.Slug, cur.TemplateID, cur.IdPURL, cur.ImageType, cur.CreatedAt
	_, err = t.Exec(ctx, `UPDATE apps SET label = ?, label_key = ?, description = ?, show_in_portal = ?, bookmark_url = ?,
		sso_active = ?, search_text = ?, updated_at = ? WHERE id = ?`,
		a.Label, strings.ToLower(a.Label), a.Description, a.ShowInPortal, a.BookmarkURL, a.SSOActive,
		appSearchText(a), TimeValue(a.UpdatedAt), a.ID)
	return err
}

// DeleteApps removes the apps (their settings, keys, image and bindings
// cascade). ENOTFOUND names the first unknown id; the caller's rollback
// then undoes the others.
func (t *Tx) DeleteApps(ctx context.Context, ids []string) error {
	for _, id := range dedupe(ids) {
		res, err := t.Exec(ctx, "DELETE FROM apps WHERE id = ?", id)
		if err := affectedOne(res, err, "application", id); err != nil {
			return err
		}
	}
	return nil
}

// ListApps returns one page of apps matching f, ordered by label then id,
// and the number matching.
func (t *Tx) ListApps(ctx context.Context, f directory.AppFilter) ([]directory.App, int, error) {
	var conds []string
	var args []any
	if f.GroupID != "" {
		conds = append(conds, "a.id IN (SELECT ag.app_id FROM app_groups ag WHERE ag.group_id = ?)")
		args = append(args, f.GroupID)
	}
	if term := searchTerm(f.Search); term != "" {
		conds = append(conds, `a.search_text LIKE ? ESCAPE '\'`)
		args = append(args, "%"+escapeLike(term)+"%")
	}
	return listPage(ctx, t, pageQuery{
		from: "apps a", cols: appCols, conds: conds, args: args, order: "a.label_key, a.id",
		limit: f.Limit, offset: f.Offset,
	}, scanApp)
}

// appExists returns ENOTFOUND unless the app exists.
func (t *Tx) appExists(ctx context.Context, id string) error {
	var one int
	err := t.QueryRow(ctx, "SELECT 1 FROM apps WHERE id = ?", id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return directory.NotFound("application", id)
	}
	return err
}

// SetAppImage stores or (nil) removes the portal image and the app's image type.
func (t *Tx) SetAppImage(ctx context.Context, appID string, img *directory.AppImage) error {
	if err := t.appExists(ctx, appID); err != nil {
		return err
	}
	if _, err := t.Exec(ctx, "DELETE FROM app_images WHERE app_id = ?", appID); err != nil {
		return err
	}
	ct := ""
	if img != nil {
		ct = img.ContentType
		if _, err := t.Exec(ctx, "INSERT INTO app_images (app_id, content_type, data) VALUES (?, ?, ?)",
			appID, img.ContentType, img.Data); err != nil {
			return err
		}
	}
	_, err := t.Exec(ctx, "UPDATE apps SET image_type = ? WHERE id = ?", ct, appID)
	return err
}

// GetAppImage returns the portal image, or ENOTFOUND.
func (t *Tx) GetAppImage(ctx context.Context, appID string) (*directory.AppImage, error) {
	if err := t.appExists(ctx, appID); err != nil {
		return nil, err
	}
	var img directory.AppImage
	err := t.QueryRow(ctx, "SELECT content_type, data FROM app_images WHERE app_id = ?", appID).Scan(&img.ContentType, &img.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, directory.Errorf(directory.ENOTFOUND, "application %q has no image", appID)
	}
	if err != nil {
		return nil, err
	}
	return &img, nil
}

package lifecycle

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
)

// DefaultKeyValidity is how long a generated signing certificate is valid.
const DefaultKeyValidity = 5 * 365 * 24 * time.Hour

// MaxAppsPerCall bounds the ids one delete or binding call accepts.
const MaxAppsPerCall = directory.MaxPageSize

// ErrIdPURLImmutable is the message of the refusal to change an app's IdP URL.
const ErrIdPURLImmutable = "idpUrl cannot be changed after the application is created; delete and recreate the application"

// NewApp is the input of CreateApp.
type NewApp struct {
	TemplateID  string
	Label       string
	Description string
	// ShowInPortal defaults to true when nil.
	ShowInPortal *bool
	BookmarkURL  string
	// IdPURL, when set, must be <BaseURL>/saml2/<name>; <name> becomes the
	// slug. When empty the slug comes from the label.
	IdPURL string
	// KeyAlgorithm of the generated signing key: rsa2048 (default),
	// rsa3072 or ecdsa-p256.
	KeyAlgorithm string
}

func appChange(at directory.Actor, kind directory.ChangeKind, a *directory.App, now time.Time, fields []directory.FieldChange) directory.Change {
	return directory.Change{At: now, Actor: at, Kind: kind, ResourceType: "app", ResourceID: a.ID, ResourceName: a.Label, Fields: fields}
}

func (s *Service) baseURL() (string, error) {
	b := strings.TrimRight(s.BaseURL, "/")
	if b == "" {
		return "", &directory.Error{Code: directory.EINTERNAL, Message: "the server has no base URL",
			Err: fmt.Errorf("lifecycle: Service.BaseURL is empty")}
	}
	return b, nil
}

func (s *Service) keyValidity() time.Duration {
	if s.KeyValidity > 0 {
		return s.KeyValidity
	}
	return DefaultKeyValidity
}

// checkKeyAlgorithm returns the samlidp algorithm for an API name.
func checkKeyAlgorithm(field, alg string) (samlidp.KeyAlgorithm, error) {
	switch samlidp.KeyAlgorithm(alg) {
	case "":
		return samlidp.RSA2048, nil
	case samlidp.RSA2048, samlidp.RSA3072, samlidp.ECDSAP256:
		return samlidp.KeyAlgorithm(alg), nil
	}
	return "", directory.Invalid(directory.FieldError{Field: field, Reason: "must be one of rsa2048, rsa3072, ecdsa-p256"})
}

// CreateApp adds an application made from a catalog template. A SAML app
// gets its SSO settings from the template (JIT-required attributes
// prefilled and on) and a new signing key, sealed. EINVALID names bad
// fields; ECONFLICT names idpUrl when the custom IdP URL is taken.
func (s *Service) CreateApp(ctx context.Context, actor directory.Actor, in NewApp) (*directory.App, error) {
	tpl, err := catalog.Get(strings.TrimSpace(in.TemplateID))
	if err != nil {
		return nil, directory.Invalid(directory.FieldError{Field: "templateId", Reason: "is not a catalog application id"})
	}
	base, err := s.baseURL()
	if err != nil {
		return nil, err
	}
	a := directory.App{TemplateID: tpl.ID, Label: in.Label, Description: in.Description, ShowInPortal: true,
		BookmarkURL: in.BookmarkURL, IdPURL: in.IdPURL, SSOActive: true}
	if in.ShowInPortal != nil {
		a.ShowInPortal = *in.ShowInPortal
	}
	a.Normalize()
	var fe []directory.FieldError
	if err := a.Validate(); err != nil {
		fe = append(fe, directory.ErrorFields(err)...)
	}
	switch {
	case tpl.Capabilities.Bookmark && a.BookmarkURL == "":
		fe = append(fe, directory.FieldError{Field: "bookmarkUrl", Reason: "is required for a bookmark application"})
	case !tpl.Capabilities.Bookmark && a.BookmarkURL != "":
		fe = append(fe, directory.FieldError{Field: "bookmarkUrl", Reason: "only bookmark applications have a bookmark URL"})
	}
	customSlug := ""
	if a.IdPURL != "" {
		prefix := base + "/saml2/"
		switch {
		case !tpl.Capabilities.SSOSAML:
			fe = append(fe, directory.FieldError{Field: "idpUrl", Reason: "only SAML applications have an IdP URL"})
		case !strings.HasPrefix(a.IdPURL, prefix) || !directory.ValidSlug(strings.TrimPrefix(a.IdPURL, prefix)):
			fe = append(fe, directory.FieldError{Field: "idpUrl",
				Reason: "must be " + prefix + "<name> with <name> of a-z, 0-9 and inner hyphens (Jumpgate answers SAML requests there)"})
		default:
			customSlug = strings.TrimPrefix(a.IdPURL, prefix)
		}
	}
	keyAlg, err := checkKeyAlgorithm("keyAlgorithm", in.KeyAlgorithm)
	if err != nil {
		fe = append(fe, directory.ErrorFields(err)...)
	}
	if len(fe) > 0 {
		return nil, directory.Invalid(fe...)
	}
	now := s.now()
	a.ID, a.CreatedAt, a.UpdatedAt = s.newID(), now, now
	var sso *directory.AppSSO
	var key *directory.AppKey
	if tpl.Capabilities.SSOSAML {
		if key, err = s.newAppKey(a.ID, keyAlg, certCommonName(&directory.App{Label: a.Label, Slug: directory.Slugify(a.Label)}), now); err != nil {
			return nil, err
		}
		key.Status = directory.KeyActive
		sso = &directory.AppSSO{NameIDAttribute: tpl.NameIDAttribute, NameIDFormat: tpl.NameIDFormat,
			Attributes: tpl.Attributes, UpdatedAt: now}
		if keyAlg == samlidp.ECDSAP256 {
			sso.SignatureAlgorithm = directory.SigECDSASHA256
		}
	}
	create := func(tx directory.Tx) ([]directory.Change, error) {
		a.Slug = customSlug
		if a.Slug == "" {
			var err error
			if a.Slug, err = freeSlug(ctx, tx, directory.Slugify(a.Label)); err != nil {
				return nil, err
			}
		} else if _, err := tx.GetAppBySlug(ctx, a.Slug); err == nil {
			return nil, directory.Conflict("idpUrl", "another application already uses this IdP URL")
		} else if directory.ErrorCode(err) != directory.ENOTFOUND {
			return nil, err
		}
		if tpl.Capabilities.SSOSAML {
			a.IdPURL = base + "/saml2/" + a.Slug
			sso.IdPEntityID = a.IdPURL
			sso.Normalize()
		} else {
			a.IdPURL = ""
		}
		if err := tx.CreateApp(ctx, &a, sso); err != nil {
			return nil, err
		}
		if key != nil {
			if err := tx.CreateAppKey(ctx, key); err != nil {
				return nil, err
			}
		}
		fields := directory.DiffApps(directory.App{}, a)
		fields = append([]directory.FieldChange{{Field: "templateId", To: a.TemplateID}, {Field: "slug", To: a.Slug}}, fields...)
		if a.IdPURL != "" {
			fields = append(fields, directory.FieldChange{Field: "idpUrl", To: a.IdPURL})
		}
		return []directory.Change{appChange(actor, directory.AppCreated, &a, now, fields)}, nil
	}
	// A concurrent creation may take the free slug first: try again.
	for attempt := 0; ; attempt++ {
		err = s.commit(ctx, create)
		if err == nil || customSlug != "" || attempt == 9 || !conflictOn(err, "slug") {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func conflictOn(err error, field string) bool {
	if directory.ErrorCode(err) != directory.ECONFLICT {
		return false
	}
	for _, f := range directory.ErrorFields(err) {
		if f.Field == field {
			return true
		}
	}
	return false
}

// freeSlug returns base, or base-2, base-3, ... whichever is not taken.
func freeSlug(ctx context.Context, tx directory.Tx, base string) (string, error) {
	for i := 1; i <= 1000; i++ {
		slug := base
		if i > 1 {
			slug = fmt.Sprintf("%s-%d", base, i)
		}
		_, err := tx.GetAppBySlug(ctx, slug)
		if directory.ErrorCode(err) == directory.ENOTFOUND {
			return slug, nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", directory.Conflict("label", "too many applications with this label")
}

// UpdateApp applies a partial update of the label, description, portal
// visibility and bookmark URL. One that changes nothing writes nothing.
// ENOTFOUND, EINVALID.
func (s *Service) UpdateApp(ctx context.Context, actor directory.Actor, id string, upd directory.AppUpdate) (*directory.App, error) {
	return s.changeApp(ctx, actor, id, directory.AppUpdated, func(cur directory.App) (directory.App, []directory.FieldChange, error) {
		next, fields := upd.Apply(cur)
		if err := next.Validate(); err != nil {
			return next, nil, err
		}
		tpl, _ := catalog.Get(cur.TemplateID)
		if upd.BookmarkURL != nil {
			switch {
			case tpl.Capabilities.Bookmark && next.BookmarkURL == "":
				return next, nil, directory.Invalid(directory.FieldError{Field: "bookmarkUrl", Reason: "is required for a bookmark application"})
			case !tpl.Capabilities.Bookmark && next.BookmarkURL != "":
				return next, nil, directory.Invalid(directory.FieldError{Field: "bookmarkUrl", Reason: "only bookmark applications have a bookmark URL"})
			}
		}
		return next, fields, nil
	})
}

// SetSSOActive deactivates (Deactivate SSO / Deactivate Bookmark) or
// activates an app; the IdP refuses a deactivated app. Idempotent.
func (s *Service) SetSSOActive(ctx context.Context, actor directory.Actor, id string, active bool) (*directory.App, error) {
	kind := directory.AppSSODeactivated
	if active {
		kind = directory.AppSSOActivated
	}
	return s.changeApp(ctx, actor, id, kind, func(cur directory.App) (directory.App, []directory.FieldChange, error) {
		next := cur
		next.SSOActive = active
		return next, directory.DiffApps(cur, next), nil
	})
}

// changeApp runs one read-modify-write of an app with a change record.
func (s *Service) changeApp(ctx context.Context, actor directory.Actor, id string, kind directory.ChangeKind,
	fn func(cur directory.App) (directory.App, []directory.FieldChange, error)) (*directory.App, error) {
	var out directory.App
	err := s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		cur, err := tx.GetApp(ctx, id)
		if err != nil {
			return nil, err
		}
		next, fields, err := fn(*cur)
		if err != nil {
			return nil, err
		}
		if len(fields) == 0 {
			out = *cur
			return nil, nil
		}
		now := s.now()
		next.UpdatedAt = now
		if err := tx.UpdateApp(ctx, &next); err != nil {
			return nil, err
		}
		out = next
		return []directory.Change{appChange(actor, kind, &next, now, fields)}, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// SetAppImage stores the portal image after directory.ValidateImage (PNG
// or JPEG only, at most 256 KiB). EINVALID or ETOOLARGE naming "image".
func (s *Service) SetAppImage(ctx context.Context, actor directory.Actor, id string, data []byte) (*directory.App, error) {
	img, err := directory.ValidateImage(data)
	if err != nil {
		return nil, err
	}
	return s.setImage(ctx, actor, id, img)
}

// RemoveAppImage removes the portal image (idempotent).
func (s *Service) RemoveAppImage(ctx context.Context, actor directory.Actor, id string) (*directory.App, error) {
	return s.setImage(ctx, actor, id, nil)
}

func (s *Service) setImage(ctx context.Context, actor directory.Actor, id string, img *directory.AppImage) (*directory.App, error) {
	var out *directory.App
	err := s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		cur, err := tx.GetApp(ctx, id)
		if err != nil {
			return nil, err
		}
		if img == nil && cur.ImageType == "" {
			out = cur
			return nil, nil
		}
		if err := tx.SetAppImage(ctx, id, img); err != nil {
			return nil, err
		}
		next := *cur
		next.UpdatedAt = s.now()
		if err := tx.UpdateApp(ctx, &next); err != nil {
			return nil, err
		}
		if out, err = tx.GetApp(ctx, id); err != nil {
			return nil, err
		}
		return []directory.Change{appChange(actor, directory.AppUpdated, out, next.UpdatedAt,
			[]directory.FieldChange{{Field: "image", From: cur.ImageType, To: out.ImageType}})}, nil
	})
	return out, err
}

// DeleteApps deletes applications with everything that belongs to them
// (settings, keys, image, bindings). confirm must equal the number of
// distinct ids, as when the admin types the number of applications being
// deleted; otherwise EINVALID names "confirm". All or nothing: ENOTFOUND
// for an unknown id deletes none.
func (s *Service) DeleteApps(ctx context.Context, actor directory.Actor, ids []string, confirm int) error {
	if err := checkAppIDs("ids", ids, false); err != nil {
		return err
	}
	ids = uniqueIDs(ids)
	if confirm != len(ids) {
		return directory.Invalid(directory.FieldError{Field: "confirm",
			Reason: fmt.Sprintf("must equal the number of applications being deleted (%d)", len(ids))})
	}
	return s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		now := s.now()
		changes := make([]directory.Change, 0, len(ids))
		for _, id := range ids {
			a, err := tx.GetApp(ctx, id)
			if err != nil {
				return nil, err
			}
			changes = append(changes, appChange(actor, directory.AppDeleted, a, now, nil))
		}
		if err := tx.DeleteApps(ctx, ids); err != nil {
			return nil, err
		}
		return changes, nil
	})
}

func checkAppIDs(field string, ids []string, allowEmpty bool) error {
	if len(ids) == 0 && !allowEmpty {
		return directory.Invalid(directory.FieldError{Field: field, Reason: "must list at least one id"})
	}
	if len(ids) > MaxAppsPerCall {
		return directory.Invalid(directory.FieldError{Field: field, Reason: fmt.Sprintf("must list at most %d ids", MaxAppsPerCall)})
	}
	for i, id := range ids {
		if id == "" || len(id) > 128 {
			return directory.Invalid(directory.FieldError{Field: fmt.Sprintf("%s[%d]", field, i), Reason: "must be an id"})
		}
	}
	return nil
}

func uniqueIDs(ids []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// MetadataFilename is the download name of an app's IdP metadata:
// Jumpgate-<label>-metadata.xml with the label reduced to letters, digits,
// '.', '_' and '-'.
func MetadataFilename(a *directory.App) string {
	var b strings.Builder
	under := false
	for _, r := range a.Label {
		ok := r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_')
		if ok {
			b.WriteRune(r)
			under = false
		} else if !under {
			b.WriteByte('_')
			under = true
		}
	}
	name := strings.Trim(b.String(), "._-")
	if name == "" {
		name = a.Slug
	}
	return "Jumpgate-" + url.PathEscape(name) + "-metadata.xml"
}

package directory

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// App is a configured application: an instance of a catalog template with
// its own label, portal settings and IdP URL. Its SAML settings (AppSSO),
// signing keys (AppKey), portal image (AppImage) and bound groups are kept
// beside it.
type App struct {
	ID string `json:"id"`
	// Slug is unique and names the app in its default IdP URL
	// (<base>/saml2/<slug>); it never changes.
	Slug        string `json:"slug"`
	TemplateID  string `json:"templateId"`
	Label       string `json:"label"`
	Description string `json:"description"`
	// ShowInPortal shows the app's tile in the user console.
	ShowInPortal bool `json:"showInPortal"`
	// BookmarkURL is the sign-in URL of a bookmark app (http or https).
	BookmarkURL string `json:"bookmarkUrl,omitempty"`
	// IdPURL is where the app's SAML requests go; fixed at creation.
	IdPURL string `json:"idpUrl"`
	// SSOActive is false after "Deactivate SSO": the IdP then refuses the app.
	SSOActive bool `json:"ssoActive"`
	// ImageType is the content type of the portal image, "" when none.
	ImageType string    `json:"imageType,omitempty"`
	CreatedAt time.Time `json:"created"`
	UpdatedAt time.Time `json:"updated"`
}

// Limits of application attributes.
const (
	MaxAppLabelLen = 128
	MaxSlugLen     = 64
	MaxURLLen      = 2048
	MaxImageBytes  = 256 << 10
	MaxImageSide   = 4096
	MaxACSURLs     = 16
	MaxAttributes  = 64
	MaxAttrNameLen = 256
	MaxConstantLen = 1024
	MaxRelayState  = 2048
)

var slugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)

// ValidSlug reports whether s can name an app in a URL: lower-case letters,
// digits and inner hyphens, at most MaxSlugLen.
func ValidSlug(s string) bool { return len(s) <= MaxSlugLen && slugRE.MatchString(s) }

// Slugify turns a label into a slug candidate ("My Quip!" -> "my-quip"),
// "app" when nothing usable is left.
func Slugify(label string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(label) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= MaxSlugLen-4 { // room for a "-NNN" suffix
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		return "app"
	}
	return s
}

// Normalize trims surrounding space from the text attributes.
func (a *App) Normalize() {
	a.Label = strings.TrimSpace(a.Label)
	a.Description = strings.TrimSpace(a.Description)
	a.BookmarkURL = strings.TrimSpace(a.BookmarkURL)
	a.IdPURL = strings.TrimSpace(a.IdPURL)
}

// Validate checks the attributes an admin sets and returns an EINVALID
// *Error naming each bad field, or nil.
func (a *App) Validate() error {
	var fe []FieldError
	add := func(field, reason string) { fe = append(fe, FieldError{Field: field, Reason: reason}) }
	switch {
	case a.Label == "":
		add("label", "is required")
	case utf8.RuneCountInString(a.Label) > MaxAppLabelLen:
		add("label", "must be at most 128 characters")
	case hasControl(a.Label):
		add("label", "must not contain control characters")
	}
	if utf8.RuneCountInString(a.Description) > MaxDescriptionLen {
		add("description", "must be at most 1024 characters")
	} else if hasControl(strings.NewReplacer("\n", "", "\r", "", "\t", "").Replace(a.Description)) {
		add("description", "must not contain control characters")
	}
	if a.BookmarkURL != "" {
		if reason := CheckHTTPURL(a.BookmarkURL); reason != "" {
			add("bookmarkUrl", reason)
		}
	}
	if a.IdPURL != "" {
		if reason := CheckHTTPURL(a.IdPURL); reason != "" {
			add("idpUrl", reason)
		}
	}
	if a.Slug != "" && !ValidSlug(a.Slug) {
		add("slug", "may contain only a-z, 0-9 and inner hyphens, at most 64 characters")
	}
	if len(fe) > 0 {
		return Invalid(fe...)
	}
	return nil
}

// CheckHTTPURL returns why v is not an absolute http or https URL with a
// host, no user information and no fragment, or "" when it is one. It never
// accepts javascript:, data: or relative URLs.
func CheckHTTPURL(v string) string {
	if v == "" {
		return "is required"
	}
	if len(v) > MaxURLLen {
		return "must be at most 2048 characters"
	}
	if strings.TrimSpace(v) != v || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "must not contain white space or control characters at the ends"
	}
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return "is not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "must be an http or https URL"
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return "must be an absolute URL with a host"
	case u.User != nil:
		return "must not contain user information"
	case strings.Contains(v, "#"):
		return "must not contain a fragment"
	}
	return ""
}

// AppUpdate is a partial update of an app's editable attributes: nil fields
// are left unchanged. The IdP URL, slug and template are not editable.
type AppUpdate struct {
	Label        *string `json:"label,omitempty"`
	Description  *string `json:"description,omitempty"`
	ShowInPortal *bool   `json:"showInPortal,omitempty"`
	BookmarkURL  *string `json:"bookmarkUrl,omitempty"`
}

// Apply returns a copy of a with the update applied and normalized, and the
// fields whose value changed. It does not validate.
func (p AppUpdate) Apply(a App) (App, []FieldChange) {
	next := a
	if p.Label != nil {
		next.Label = *p.Label
	}
	if p.Description != nil {
		next.Description = *p.Description
	}
	if p.ShowInPortal != nil {
		next.ShowInPortal = *p.ShowInPortal
	}
	if p.BookmarkURL != nil {
		next.BookmarkURL = *p.BookmarkURL
	}
	next.Normalize()
	return next, DiffApps(a, next)
}

// DiffApps lists the editable attributes that differ between a and b.
func DiffApps(a, b App) []FieldChange {
	var out []FieldChange
	cmp := func(field, x, y string) {
		if x != y {
			out = append(out, FieldChange{Field: field, From: x, To: y})
		}
	}
	cmp("label", a.Label, b.Label)
	cmp("description", a.Description, b.Description)
	cmp("showInPortal", fmt.Sprint(a.ShowInPortal), fmt.Sprint(b.ShowInPortal))
	cmp("bookmarkUrl", a.BookmarkURL, b.BookmarkURL)
	cmp("ssoActive", fmt.Sprint(a.SSOActive), fmt.Sprint(b.SSOActive))
	cmp("imageType", a.ImageType, b.ImageType)
	return out
}

// AppFilter selects and orders a page of apps (by label, then id).
type AppFilter struct {
	// Search matches a substring of the label, slug, template id or
	// description, case-insensitively.
	Search string
	// GroupID restricts the list to apps bound to this group.
	GroupID string
	Offset  int
	Limit   int // 0 means DefaultPageSize; at most MaxPageSize
}

// AppImage is an app's user-portal image: PNG or JPEG only.
type AppImage struct {
	ContentType string // image/png or image/jpeg
	Data        []byte
}

// Image content types.
const (
	ImagePNG  = "image/png"
	ImageJPEG = "image/jpeg"
)

// ValidateImage checks that data is a PNG or JPEG (by its magic bytes, then
// by decoding it whole) of at most MaxImageBytes and MaxImageSide pixels a
// side, and returns it with its content type. Anything else (SVG, GIF, a
// truncated file) is an EINVALID error naming "image".
func ValidateImage(data []byte) (*AppImage, error) {
	bad := func(reason string) error { return Invalid(FieldError{Field: "image", Reason: reason}) }
	if len(data) == 0 {
		return nil, bad("is empty")
	}
	if len(data) > MaxImageBytes {
		return nil, &Error{Code: ETOOLARGE, Message: "image is larger than 256 KiB",
			Fields: []FieldError{{Field: "image", Reason: "must be at most 256 KiB"}}}
	}
	var ct string
	var decodeConfig func([]byte) (image.Config, error)
	var decode func([]byte) error
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		ct = ImagePNG
		decodeConfig = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) error { _, err := png.Decode(bytes.NewReader(b)); return err }
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		ct = ImageJPEG
		decodeConfig = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) error { _, err := jpeg.Decode(bytes.NewReader(b)); return err }
	default:
		return nil, bad("must be a PNG or JPEG image (SVG and other formats are refused)")
	}
	cfg, err := decodeConfig(data)
	if err != nil {
		return nil, bad("is not a readable " + ct + " image")
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxImageSide || cfg.Height > MaxImageSide {
		return nil, bad(fmt.Sprintf("must be between 1 and %d pixels a side", MaxImageSide))
	}
	if err := decode(data); err != nil {
		return nil, bad("is not a readable " + ct + " image")
	}
	return &AppImage{ContentType: ct, Data: data}, nil
}

// NameID formats, as the API names them.
const (
	NameIDEmailAddress = "emailAddress"
	NameIDUnspecified  = "unspecified"
	NameIDPersistent   = "persistent"
	NameIDTransient    = "transient"
)

// Signature algorithms, as the API names them.
const (
	SigRSASHA256   = "RSA-SHA256"
	SigRSASHA1     = "RSA-SHA1"
	SigECDSASHA256 = "ECDSA-SHA256"
)

// Sign modes: which elements of a SAML Response are signed.
const (
	SignAssertion = "assertion"
	SignResponse  = "response"
	SignBoth      = "both"
)

// UserAttributes are the directory attributes a NameID or an attribute
// statement can take its value from.
var UserAttributes = []string{"email", "username", "firstname", "lastname", "displayName", "employeeIdentifier", "id"}

// UserAttribute returns the value of the named directory attribute of u.
func UserAttribute(u *User, name string) (string, bool) {
	switch name {
	case "email":
		return u.Email, true
	case "username":
		return u.Username, true
	case "firstname":
		return u.FirstName, true
	case "lastname":
		return u.LastName, true
	case "displayName":
		return u.DisplayName, true
	case "employeeIdentifier":
		return u.EmployeeID, true
	case "id":
		return u.ID, true
	}
	return "", false
}

func knownUserAttribute(name string) bool {
	_, ok := UserAttribute(&User{}, name)
	return ok
}

// AttributeSource is where an attribute statement's value comes from:
// exactly one of a directory attribute or a constant.
type AttributeSource struct {
	Attribute string `json:"attribute,omitempty"`
	Constant  string `json:"constant,omitempty"`
}

// AttributeStatement is one SAML attribute sent to the app. JIT-required
// statements come from the template: their Name cannot change, but the
// source can and they can be toggled off.
type AttributeStatement struct {
	Name        string          `json:"name"` // the service provider's attribute name
	Source      AttributeSource `json:"source"`
	Enabled     bool            `json:"enabled"`
	JITRequired bool            `json:"jitRequired"`
}

// AppSSO is an app's SAML settings.
type AppSSO struct {
	IdPEntityID string   `json:"idpEntityId"`
	SPEntityID  string   `json:"spEntityId"` // compared case-sensitively
	ACSURLs     []string `json:"acsUrls"`
	// SPCertificate is the SP's PEM certificate; when set, AuthnRequests
	// must be signed with it.
	SPCertificate      string               `json:"spCertificate,omitempty"`
	NameIDAttribute    string               `json:"nameIdAttribute"` // a UserAttributes name
	NameIDFormat       string               `json:"nameIdFormat"`    // emailAddress, unspecified, persistent, transient
	SignatureAlgorithm string               `json:"signatureAlgorithm"`
	Sign               string               `json:"sign"` // assertion, response, both
	DefaultRelayState  string               `json:"defaultRelayState,omitempty"`
	Attributes         []AttributeStatement `json:"attributes"`
	// GroupsAttribute, when set, names an attribute listing the user's
	// group names (e.g. memberOf).
	GroupsAttribute string    `json:"groupsAttribute,omitempty"`
	UpdatedAt       time.Time `json:"updated"`
}

// Normalize fills defaults for empty choices and trims text.
func (s *AppSSO) Normalize() {
	s.IdPEntityID = strings.TrimSpace(s.IdPEntityID)
	s.SPEntityID = strings.TrimSpace(s.SPEntityID)
	for i := range s.ACSURLs {
		s.ACSURLs[i] = strings.TrimSpace(s.ACSURLs[i])
	}
	if s.ACSURLs == nil {
		s.ACSURLs = []string{}
	}
	s.SPCertificate = strings.TrimSpace(s.SPCertificate)
	if s.NameIDAttribute == "" {
		s.NameIDAttribute = "email"
	}
	if s.NameIDFormat == "" {
		s.NameIDFormat = NameIDEmailAddress
	}
	if s.SignatureAlgorithm == "" {
		s.SignatureAlgorithm = SigRSASHA256
	}
	if s.Sign == "" {
		s.Sign = SignAssertion
	}
	if s.Attributes == nil {
		s.Attributes = []AttributeStatement{}
	}
	for i := range s.Attributes {
		s.Attributes[i].Name = strings.TrimSpace(s.Attributes[i].Name)
	}
	s.GroupsAttribute = strings.TrimSpace(s.GroupsAttribute)
}

// Validate checks the settings that need no key material (the caller
// checks the SP certificate and the algorithm against the key) and returns
// an EINVALID *Error naming each bad field. An empty SP entity ID and no
// ACS URLs are allowed: the app is then not configured yet.
func (s *AppSSO) Validate() error {
	var fe []FieldError
	add := func(field, reason string) { fe = append(fe, FieldError{Field: field, Reason: reason}) }
	checkID := func(field, v string, required bool) {
		switch {
		case v == "" && required:
			add(field, "is required")
		case len(v) > 1024:
			add(field, "must be at most 1024 characters")
		case hasControl(v) || strings.TrimSpace(v) != v:
			add(field, "must not contain control characters or surrounding space")
		}
	}
	checkID("idpEntityId", s.IdPEntityID, true)
	checkID("spEntityId", s.SPEntityID, false)
	if len(s.ACSURLs) > MaxACSURLs {
		add("acsUrls", fmt.Sprintf("must list at most %d URLs", MaxACSURLs))
	}
	seen := map[string]bool{}
	for i, u := range s.ACSURLs {
		field := fmt.Sprintf("acsUrls[%d]", i)
		if reason := CheckHTTPURL(u); reason != "" {
			add(field, reason)
		} else if seen[u] {
			add(field, "is listed twice")
		}
		seen[u] = true
	}
	if !knownUserAttribute(s.NameIDAttribute) {
		add("nameIdAttribute", "must be one of "+strings.Join(UserAttributes, ", "))
	}
	switch s.NameIDFormat {
	case NameIDEmailAddress, NameIDUnspecified, NameIDPersistent, NameIDTransient:
	default:
		add("nameIdFormat", "must be one of emailAddress, unspecified, persistent, transient")
	}
	switch s.SignatureAlgorithm {
	case SigRSASHA256, SigRSASHA1, SigECDSASHA256:
	default:
		add("signatureAlgorithm", "must be one of RSA-SHA256, RSA-SHA1, ECDSA-SHA256")
	}
	switch s.Sign {
	case SignAssertion, SignResponse, SignBoth:
	default:
		add("sign", "must be one of assertion, response, both")
	}
	if len(s.DefaultRelayState) > MaxRelayState || hasControl(s.DefaultRelayState) {
		add("defaultRelayState", "must be at most 2048 bytes without control characters")
	}
	if len(s.Attributes) > MaxAttributes {
		add("attributes", fmt.Sprintf("must list at most %d attributes", MaxAttributes))
	}
	names := map[string]bool{}
	for i, a := range s.Attributes {
		p := fmt.Sprintf("attributes[%d]", i)
		switch {
		case a.Name == "":
			add(p+".name", "is required")
		case len(a.Name) > MaxAttrNameLen || hasControl(a.Name):
			add(p+".name", "must be at most 256 characters without control characters")
		case names[a.Name]:
			add(p+".name", "is used by another attribute")
		}
		names[a.Name] = true
		switch {
		case (a.Source.Attribute == "") == (a.Source.Constant == ""):
			add(p+".source", "must have exactly one of attribute or constant")
		case a.Source.Attribute != "" && !knownUserAttribute(a.Source.Attribute):
			add(p+".source.attribute", "must be one of "+strings.Join(UserAttributes, ", "))
		case len(a.Source.Constant) > MaxConstantLen || hasControl(a.Source.Constant):
			add(p+".source.constant", "must be at most 1024 bytes without control characters")
		}
	}
	if s.GroupsAttribute != "" {
		switch {
		case len(s.GroupsAttribute) > MaxAttrNameLen || hasControl(s.GroupsAttribute):
			add("groupsAttribute", "must be at most 256 characters without control characters")
		case names[s.GroupsAttribute]:
			add("groupsAttribute", "is also the name of an attribute statement")
		}
	}
	if len(fe) > 0 {
		return Invalid(fe...)
	}
	return nil
}

// Configured reports whether the SP side is filled in enough to sign in.
func (s *AppSSO) Configured() bool { return s.SPEntityID != "" && len(s.ACSURLs) > 0 }

// KeyStatus is the role of an app's signing key.
type KeyStatus string

// Key statuses: one active key signs; a next key is published in metadata
// during a rotation; retired keys are kept until removed.
const (
	KeyActive  KeyStatus = "active"
	KeyNext    KeyStatus = "next"
	KeyRetired KeyStatus = "retired"
)

// AppKey is an app's signing key pair. The private key is stored sealed
// (secrets.Sealer, bound to the app and key ids) and never leaves the
// server.
type AppKey struct {
	ID             string    `json:"id"`
	AppID          string    `json:"appId"`
	Status         KeyStatus `json:"status"`
	Algorithm      string    `json:"algorithm"` // rsa2048, rsa3072, ecdsa-p256, or "uploaded"
	CertificatePEM string    `json:"certificate"`
	SealedKey      string    `json:"-"`
	NotBefore      time.Time `json:"notBefore"`
	NotAfter       time.Time `json:"notAfter"`
	CreatedAt      time.Time `json:"created"`
}

// The change kinds written by application use cases (resource type "app";
// binding changes name the group in RelatedID).
const (
	AppCreated        ChangeKind = "app.created"
	AppUpdated        ChangeKind = "app.updated"
	AppDeleted        ChangeKind = "app.deleted"
	AppSSOUpdated     ChangeKind = "app.sso_updated"
	AppSSODeactivated ChangeKind = "app.sso_deactivated"
	AppSSOActivated   ChangeKind = "app.sso_activated"
	AppKeysChanged    ChangeKind = "app.keys_changed"
	AppGroupBound     ChangeKind = "app.group_bound"
	AppGroupUnbound   ChangeKind = "app.group_unbound"
)

// Apps stores configured applications, their SSO settings, signing keys,
// portal images and group bindings. Deleting an app or a group removes its
// bindings (ON DELETE CASCADE); deleting an app removes everything of it.
type Apps interface {
	// CreateApp inserts a as given, with empty SSO settings when sso is nil.
	// ECONFLICT names "slug" or "id".
	CreateApp(ctx context.Context, a *App, sso *AppSSO) error
	// GetApp returns the app with id, or ENOTFOUND.
	GetApp(ctx context.Context, id string) (*App, error)
	// GetAppBySlug returns the app with the slug, or ENOTFOUND.
	GetAppBySlug(ctx context.Context, slug string) (*App, error)
	// UpdateApp replaces label, description, showInPortal, bookmarkUrl,
	// ssoActive and updated of the app with a.ID (the slug, template, IdP URL
	// and image type are kept). ENOTFOUND.
	UpdateApp(ctx context.Context, a *App) error
	// DeleteApps removes the apps and all that belongs to them; ENOTFOUND
	// (and nothing removed, when the caller rolls back) if any is unknown.
	DeleteApps(ctx context.Context, ids []string) error
	// ListApps returns one page of apps, ordered by label, and the total.
	ListApps(ctx context.Context, f AppFilter) ([]App, int, error)

	// GetAppSSO returns the app's SSO settings; ENOTFOUND for an unknown app.
	GetAppSSO(ctx context.Context, appID string) (*AppSSO, error)
	// PutAppSSO replaces the app's SSO settings, attributes included. ENOTFOUND.
	PutAppSSO(ctx context.Context, appID string, s *AppSSO) error

	// SetAppImage stores (or, with nil, removes) the portal image and sets
	// the app's ImageType. ENOTFOUND.
	SetAppImage(ctx context.Context, appID string, img *AppImage) error
	// GetAppImage returns the portal image; ENOTFOUND when the app or the
	// image does not exist.
	GetAppImage(ctx context.Context, appID string) (*AppImage, error)

	// CreateAppKey inserts k. ENOTFOUND for an unknown app.
	CreateAppKey(ctx context.Context, k *AppKey) error
	// ListAppKeys returns the app's keys, active first, then next, then
	// retired, newest first within a status.
	ListAppKeys(ctx context.Context, appID string) ([]AppKey, error)
	// SetAppKeyStatus changes one key's status; ENOTFOUND.
	SetAppKeyStatus(ctx context.Context, appID, keyID string, st KeyStatus) error
	// DeleteAppKey removes one key; ENOTFOUND.
	DeleteAppKey(ctx context.Context, appID, keyID string) error

	// BindGroups binds groups to the app and returns the ids that were not
	// bound before (idempotent). ENOTFOUND if the app or any group is
	// unknown; then nothing is bound.
	BindGroups(ctx context.Context, appID string, groupIDs []string) ([]string, error)
	// UnbindGroups removes bindings and returns the ids that were bound.
	// ENOTFOUND if the app is unknown.
	UnbindGroups(ctx context.Context, appID string, groupIDs []string) ([]string, error)
	// AppGroupIDs lists the ids of the groups bound to the app, sorted.
	AppGroupIDs(ctx context.Context, appID string) ([]string, error)
	// GroupAppIDs lists the ids of the apps bound to the group, sorted.
	GroupAppIDs(ctx context.Context, groupID string) ([]string, error)
	// UserInAppGroups reports whether the user is a member of a group bound
	// to the app (whatever the user's state).
	UserInAppGroups(ctx context.Context, userID, appID string) (bool, error)
}

package portal

import (
	"encoding/base64"
	"html/template"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
)

type catalogData struct {
	Q         string
	Templates []catalog.Template
}

// appCatalog is "+ Add New Application": the catalog with its search.
func (h *Handler) appCatalog(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > maxAppSearch {
		return badParam("q", "must be at most 256 bytes")
	}
	d := &catalogData{Q: q, Templates: catalog.Search(q)}
	h.render(w, r, http.StatusOK, "app_catalog", &view{Title: "Add New Application", Section: "apps", Session: s, Data: d})
	return nil
}

// catalogTemplate is the template named by the "template" query parameter
// (or form field); ENOTFOUND otherwise.
func catalogTemplate(id string) (catalog.Template, error) {
	if id == "" {
		return catalog.Template{}, badParam("template", "select an application from the catalog")
	}
	if len(id) > 128 {
		return catalog.Template{}, directory.NotFound("catalog application", "")
	}
	return catalog.Get(id)
}

// appSelect shows the selected catalog application and Next.
func (h *Handler) appSelect(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	tpl, err := catalogTemplate(r.URL.Query().Get("template"))
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "app_select", &view{Title: "Add New Application: " + tpl.Name, Section: "apps", Session: s, Data: tpl})
	return nil
}

// keyAlgorithms are the signing key choices of a new SAML application.
var keyAlgorithms = []option{
	{"rsa2048", "RSA 2048 (default)"}, {"rsa3072", "RSA 3072"}, {"ecdsa-p256", "ECDSA P-256"},
}

// option is one <option> of a select: its value and its text.
type option struct{ Value, Text string }

// newAppData is the details form of a new application.
type newAppData struct {
	Template     catalog.Template
	Label        string
	Description  string
	ShowInPortal bool
	BookmarkURL  string
	IdPURL       string
	KeyAlgorithm string
	// IdPPrefix is <base URL>/saml2/; the default IdP URL adds the slug of
	// the label.
	IdPPrefix     string
	KeyAlgorithms []option
	// Image is an image chosen on a rejected form, kept so that it need not
	// be chosen again.
	Image *directory.AppImage
}

// ImageData is the kept image as base64 for the hidden field.
func (d *newAppData) ImageData() string {
	if d.Image == nil {
		return ""
	}
	return base64.StdEncoding.EncodeToString(d.Image.Data)
}

// ImagePreview is a data: URL of the kept image (validated PNG or JPEG).
func (d *newAppData) ImagePreview() template.URL {
	if d.Image == nil {
		return ""
	}
	return template.URL("data:" + d.Image.ContentType + ";base64," + d.ImageData())
}

// DefaultIdPURL is the IdP URL the application gets when none is given.
func (d *newAppData) DefaultIdPURL() string {
	label := d.Label
	if label == "" {
		label = d.Template.Name
	}
	return d.IdPPrefix + directory.Slugify(label)
}

func (h *Handler) newAppView(s *adminauth.Session, d *newAppData) *view {
	d.IdPPrefix = strings.TrimRight(h.BaseURL, "/") + "/saml2/"
	d.KeyAlgorithms = keyAlgorithms
	return &view{Title: "Add New Application: " + d.Template.Name, Section: "apps", Session: s, Data: d}
}

// appDetailsForm is the form shown after Next.
func (h *Handler) appDetailsForm(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	tpl, err := catalogTemplate(r.URL.Query().Get("template"))
	if err != nil {
		return err
	}
	d := &newAppData{Template: tpl, Label: tpl.Name, ShowInPortal: true}
	h.render(w, r, http.StatusOK, "app_new", h.newAppView(s, d))
	return nil
}

// formFile reads an uploaded file of the form; nil when no file was chosen.
// A file over limit bytes is read as limit+1 bytes so that the validator
// refuses it as too large.
func formFile(r *http.Request, name string, limit int64) ([]byte, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File[name]) == 0 {
		return nil, nil
	}
	fh := r.MultipartForm.File[name][0]
	if fh.Size == 0 {
		return nil, nil
	}
	return readPart(fh, limit)
}

func readPart(fh *multipart.FileHeader, limit int64) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, &directory.Error{Code: directory.EINVALID, Message: "the uploaded file could not be read", Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, &directory.Error{Code: directory.EINVALID, Message: "the uploaded file could not be read", Err: err}
	}
	return data, nil
}

// formImage is the image of the details form: a newly chosen file, else
// the one kept from a rejected attempt (validated again either way).
func formImage(r *http.Request) (*directory.AppImage, error) {
	data, err := formFile(r, "image", directory.MaxImageBytes)
	if err != nil {
		return nil, err
	}
	if data == nil {
		kept := r.PostForm.Get("imageData")
		if kept == "" {
			return nil, nil
		}
		if data, err = base64.StdEncoding.DecodeString(kept); err != nil {
			return nil, badParam("image", "the kept image is damaged: choose the image again")
		}
	}
	return directory.ValidateImage(data)
}

// appCreate is Save Application.
func (h *Handler) appCreate(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	tpl, err := catalogTemplate(r.PostForm.Get("template"))
	if err != nil {
		return err
	}
	f := r.PostForm
	d := &newAppData{Template: tpl, Label: f.Get("label"), Description: f.Get("description"),
		ShowInPortal: f.Get("showInPortal") != "", BookmarkURL: f.Get("bookmarkUrl"),
		IdPURL: strings.TrimSpace(f.Get("idpUrl")), KeyAlgorithm: f.Get("keyAlgorithm")}
	img, imgErr := formImage(r)
	d.Image = img
	var app *directory.App
	if imgErr != nil {
		// Say what else is wrong too, without creating anything.
		probe := directory.App{Label: d.Label, Description: d.Description, BookmarkURL: d.BookmarkURL}
		probe.Normalize()
		fields := directory.ErrorFields(imgErr)
		if e := probe.Validate(); e != nil {
			fields = append(fields, directory.ErrorFields(e)...)
		}
		if directory.ErrorCode(imgErr) == directory.EINVALID {
			imgErr = directory.Invalid(fields...)
		} else if de, ok := imgErr.(*directory.Error); ok {
			de.Fields = fields
		}
		err = imgErr
	} else {
		show := d.ShowInPortal
		app, err = h.Service.CreateApp(ctx, actor(s), lifecycle.NewApp{TemplateID: tpl.ID, Label: d.Label,
			Description: d.Description, ShowInPortal: &show, BookmarkURL: d.BookmarkURL, IdPURL: d.IdPURL,
			KeyAlgorithm: d.KeyAlgorithm})
	}
	if err != nil {
		if directory.ErrorCode(err) == directory.EINTERNAL || directory.ErrorCode(err) == directory.EUNAVAILABLE {
			return err
		}
		v := h.newAppView(s, d)
		v.setError(err)
		h.render(w, r, formStatus(err), "app_new", v)
		return nil
	}
	notice := "Application saved."
	if img != nil {
		if _, err := h.Service.SetAppImage(ctx, actor(s), app.ID, img.Data); err != nil {
			h.log().ErrorContext(ctx, "portal: store the image of a new application", "app", app.ID, "err", err)
			notice = "Application saved, but its image could not be stored: upload it again on the General Info tab."
		}
	}
	seeOther(w, r, "/admin/apps/"+app.ID+"/saved", notice)
	return nil
}

type appSavedData struct {
	App          *directory.App
	ConfigureURL string
}

// appSaved is the page after Save Application: Configure Application or Close.
func (h *Handler) appSaved(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	a, err := h.loadApp(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	caps := appTemplate(a).Capabilities
	d := &appSavedData{App: a, ConfigureURL: "/admin/apps/" + a.ID + "/sso"}
	if !caps.SSOSAML && !caps.Bookmark && caps.IdentityManagement != "" {
		d.ConfigureURL = "/admin/apps/" + a.ID + "/idm"
	}
	h.render(w, r, http.StatusOK, "app_saved", &view{Title: "Application saved", Section: "apps", Session: s, Data: d})
	return nil
}

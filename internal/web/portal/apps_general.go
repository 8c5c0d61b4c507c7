package portal

import (
	"net/http"
	"strconv"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// appGeneralData is the General Info tab: the stored app in the panel and
// the form's values (the submitted ones when a form was rejected).
type appGeneralData struct {
	Panel        appPanel
	Template     catalog.Template
	Label        string
	Description  string
	ShowInPortal bool
	BookmarkURL  string
}

// ImageURL is the address of the app's portal image, changing with it.
func (d *appGeneralData) ImageURL() string {
	return "/admin/apps/" + d.Panel.App.ID + "/image?v=" + strconv.FormatInt(d.Panel.App.UpdatedAt.UnixNano(), 36)
}

func generalData(a *directory.App) *appGeneralData {
	return &appGeneralData{Panel: appPanel{App: a, Tab: "general"}, Template: appTemplate(a), Label: a.Label,
		Description: a.Description, ShowInPortal: a.ShowInPortal, BookmarkURL: a.BookmarkURL}
}

func (h *Handler) generalView(s *adminauth.Session, d *appGeneralData) *view {
	return &view{Title: d.Panel.App.Label, Section: "apps", Session: s, Data: d}
}

func (h *Handler) appGeneral(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	a, err := h.loadApp(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "app_general", h.generalView(s, generalData(a)))
	return nil
}

// appGeneralSave saves the General Info form (one UpdateApp).
func (h *Handler) appGeneralSave(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	a, err := h.loadApp(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := r.PostForm
	d := generalData(a)
	d.Label, d.Description, d.ShowInPortal = f.Get("label"), f.Get("description"), f.Get("showInPortal") != ""
	upd := directory.AppUpdate{Label: &d.Label, Description: &d.Description, ShowInPortal: &d.ShowInPortal}
	if _, ok := f["bookmarkUrl"]; ok {
		d.BookmarkURL = f.Get("bookmarkUrl")
		upd.BookmarkURL = &d.BookmarkURL
	}
	if _, err := h.Service.UpdateApp(ctx, actor(s), a.ID, upd); err != nil {
		code := directory.ErrorCode(err)
		if code != directory.EINVALID && code != directory.ECONFLICT {
			return err
		}
		v := h.generalView(s, d)
		v.setError(err)
		h.render(w, r, formStatus(err), "app_general", v)
		return nil
	}
	seeOther(w, r, "/admin/apps/"+a.ID, "General info saved.")
	return nil
}

// appImage serves the portal image for the preview.
func (h *Handler) appImage(w http.ResponseWriter, r *http.Request, _ *adminauth.Session) error {
	var img *directory.AppImage
	err := h.Store.View(r.Context(), func(tx directory.Tx) error {
		var err error
		img, err = tx.GetAppImage(r.Context(), r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	hd := w.Header()
	hd.Set("Content-Type", img.ContentType)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'")
	hd.Set("Cache-Control", "private, max-age=300")
	hd.Set("Content-Length", strconv.Itoa(len(img.Data)))
	_, err = w.Write(img.Data)
	return err
}

// appImageUpload replaces the portal image (one SetAppImage).
func (h *Handler) appImageUpload(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	a, err := h.loadApp(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	data, err := formFile(r, "image", directory.MaxImageBytes)
	if err == nil && data == nil {
		err = badParam("image", "choose a PNG or JPEG file")
	}
	if err == nil {
		_, err = h.Service.SetAppImage(ctx, actor(s), a.ID, data)
	}
	if err != nil {
		code := directory.ErrorCode(err)
		if code != directory.EINVALID && code != directory.ETOOLARGE {
			return err
		}
		v := h.generalView(s, generalData(a))
		v.setError(err)
		h.render(w, r, formStatus(err), "app_general", v)
		return nil
	}
	seeOther(w, r, "/admin/apps/"+a.ID, "User portal image saved.")
	return nil
}

// appImageRemove removes the portal image.
func (h *Handler) appImageRemove(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	a, err := h.Service.RemoveAppImage(r.Context(), actor(s), r.PathValue("id"))
	if err != nil {
		return err
	}
	seeOther(w, r, "/admin/apps/"+a.ID, "User portal image removed.")
	return nil
}

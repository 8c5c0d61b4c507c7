package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sort"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/web"
)

// mountApps registers the catalog and application routes.
func (h *Handler) mountApps(mux *http.ServeMux) {
	h.handle(mux, "GET /api/v1/catalog", readOnly, h.listCatalog)
	h.handle(mux, "GET /api/v1/catalog/{id}", readOnly, h.getCatalog)

	h.handle(mux, "GET /api/v1/apps", readOnly, h.listApps)
	h.handle(mux, "POST /api/v1/apps", writeOnly, h.createApp)
	h.handle(mux, "POST /api/v1/apps/delete", writeOnly, h.deleteApps)
	h.handle(mux, "GET /api/v1/apps/{id}", readOnly, h.getApp)
	h.handle(mux, "PATCH /api/v1/apps/{id}", writeOnly, h.updateApp)
	h.handle(mux, "GET /api/v1/apps/{id}/sso", readOnly, h.getAppSSO)
	h.handle(mux, "PUT /api/v1/apps/{id}/sso", writeOnly, h.putAppSSO)
	h.handle(mux, "POST /api/v1/apps/{id}/sso/deactivate", writeOnly, h.setSSOActive(false))
	h.handle(mux, "POST /api/v1/apps/{id}/sso/activate", writeOnly, h.setSSOActive(true))
	h.handle(mux, "POST /api/v1/apps/{id}/sso/import-metadata", writeOnly, h.importMetadata)
	h.handle(mux, "GET /api/v1/apps/{id}/keys", readOnly, h.listKeys)
	h.handle(mux, "POST /api/v1/apps/{id}/keys/regenerate", writeOnly, h.regenerateKey)
	h.handle(mux, "POST /api/v1/apps/{id}/keys/upload", writeOnly, h.uploadKey)
	h.handle(mux, "POST /api/v1/apps/{id}/keys/next", writeOnly, h.prepareNextKey)
	h.handle(mux, "POST /api/v1/apps/{id}/keys/activate-next", writeOnly, h.activateNextKey)
	h.handle(mux, "DELETE /api/v1/apps/{id}/keys/{keyId}", writeOnly, h.removeKey)
	h.handle(mux, "GET /api/v1/apps/{id}/metadata", readOnly, h.metadata)
	h.handle(mux, "GET /api/v1/apps/{id}/image", readOnly, h.getImage)
	h.handle(mux, "PUT /api/v1/apps/{id}/image", writeOnly, h.putImage)
	h.handle(mux, "DELETE /api/v1/apps/{id}/image", writeOnly, h.deleteImage)
	h.handle(mux, "GET /api/v1/apps/{id}/groups", readOnly, h.getAppGroups)
	h.handle(mux, "PUT /api/v1/apps/{id}/groups", writeOnly, h.putAppGroups)
	h.handle(mux, "GET /api/v1/groups/{id}/apps", readOnly, h.getGroupApps)
	h.handle(mux, "PUT /api/v1/groups/{id}/apps", writeOnly, h.putGroupApps)
}

// CatalogList is the answer of GET /api/v1/catalog.
type CatalogList struct {
	Items []catalog.Template `json:"items"`
}

func (h *Handler) listCatalog(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	q := r.URL.Query().Get("q")
	if len(q) > MaxSearchLen {
		return directory.Invalid(directory.FieldError{Field: "q", Reason: "must be at most 256 bytes"})
	}
	web.WriteJSON(w, http.StatusOK, CatalogList{Items: catalog.Search(q)})
	return nil
}

func (h *Handler) getCatalog(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	t, err := catalog.Get(r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, t)
	return nil
}

// AppInput is the body of POST /api/v1/apps.
type AppInput struct {
	TemplateID   string `json:"templateId"`
	Label        string `json:"label"`
	Description  string `json:"description"`
	ShowInPortal *bool  `json:"showInPortal,omitempty"`
	BookmarkURL  string `json:"bookmarkUrl,omitempty"`
	// IdPURL is an advanced setting: <base URL>/saml2/<name>; fixed once made.
	IdPURL       string `json:"idpUrl,omitempty"`
	KeyAlgorithm string `json:"keyAlgorithm,omitempty"`
}

// DeleteAppsInput is the body of POST /api/v1/apps/delete: confirm must be
// the number of applications being deleted.
type DeleteAppsInput struct {
	IDs     []string `json:"ids"`
	Confirm *int     `json:"confirm"`
}

// DecodeAppPatch strictly decodes a partial app update, refusing read-only
// keys (idpUrl with the reason it cannot change).
func DecodeAppPatch(r io.Reader) (directory.AppUpdate, error) {
	var in struct {
		Label        *string         `json:"label,omitempty"`
		Description  *string         `json:"description,omitempty"`
		ShowInPortal *bool           `json:"showInPortal,omitempty"`
		BookmarkURL  *string         `json:"bookmarkUrl,omitempty"`
		IdPURL       json.RawMessage `json:"idpUrl,omitempty"`
		ID           json.RawMessage `json:"id,omitempty"`
		Slug         json.RawMessage `json:"slug,omitempty"`
		TemplateID   json.RawMessage `json:"templateId,omitempty"`
		SSOActive    json.RawMessage `json:"ssoActive,omitempty"`
		ImageType    json.RawMessage `json:"imageType,omitempty"`
		Created      json.RawMessage `json:"created,omitempty"`
		Updated      json.RawMessage `json:"updated,omitempty"`
	}
	if err := web.DecodeJSON(r, web.MaxBodyBytes, &in); err != nil {
		return directory.AppUpdate{}, err
	}
	if in.IdPURL != nil {
		return directory.AppUpdate{}, &directory.Error{Code: directory.EINVALID, Message: lifecycle.ErrIdPURLImmutable,
			Fields: []directory.FieldError{{Field: "idpUrl", Reason: "cannot be changed after the application is created; delete and recreate the application"}}}
	}
	var fe []directory.FieldError
	for name, v := range map[string]json.RawMessage{"id": in.ID, "slug": in.Slug, "templateId": in.TemplateID,
		"imageType": in.ImageType, "created": in.Created, "updated": in.Updated} {
		if v != nil {
			fe = append(fe, directory.FieldError{Field: name, Reason: "is read-only"})
		}
	}
	if in.SSOActive != nil {
		fe = append(fe, directory.FieldError{Field: "ssoActive", Reason: "is read-only: use POST .../sso/deactivate or .../sso/activate"})
	}
	if len(fe) > 0 {
		sort.Slice(fe, func(i, j int) bool { return fe[i].Field < fe[j].Field })
		return directory.AppUpdate{}, directory.Invalid(fe...)
	}
	return directory.AppUpdate{Label: in.Label, Description: in.Description, ShowInPortal: in.ShowInPortal, BookmarkURL: in.BookmarkURL}, nil
}

func (h *Handler) listApps(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	p, err := parseList(r.URL.Query(), "label")
	if err != nil {
		return err
	}
	if p.desc {
		return directory.Invalid(directory.FieldError{Field: "order", Reason: "applications are listed by label, ascending"})
	}
	f := directory.AppFilter{Search: p.q, Offset: p.offset, Limit: p.limit}
	return h.writeApps(w, r, f)
}

func (h *Handler) writeApps(w http.ResponseWriter, r *http.Request, f directory.AppFilter) error {
	page := Page[directory.App]{Limit: f.Limit, Offset: f.Offset}
	err := h.Store.View(r.Context(), func(tx directory.Tx) error {
		var err error
		page.Items, page.Total, err = tx.ListApps(r.Context(), f)
		return err
	})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, page)
	return nil
}

func (h *Handler) createApp(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in AppInput
	if err := web.DecodeJSON(r.Body, web.MaxBodyBytes, &in); err != nil {
		return err
	}
	a, err := h.Service.CreateApp(r.Context(), p.Actor(), lifecycle.NewApp{TemplateID: in.TemplateID, Label: in.Label,
		Description: in.Description, ShowInPortal: in.ShowInPortal, BookmarkURL: in.BookmarkURL, IdPURL: in.IdPURL, KeyAlgorithm: in.KeyAlgorithm})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/apps/"+a.ID)
	web.WriteJSON(w, http.StatusCreated, a)
	return nil
}

func (h *Handler) getApp(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var a *directory.App
	err := h.Store.View(r.Context(), func(tx directory.Tx) error {
		var err error
		a, err = tx.GetApp(r.Context(), r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, a)
	return nil
}

func (h *Handler) updateApp(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	upd, err := DecodeAppPatch(r.Body)
	if err != nil {
		return err
	}
	a, err := h.Service.UpdateApp(r.Context(), p.Actor(), r.PathValue("id"), upd)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, a)
	return nil
}

func (h *Handler) setSSOActive(active bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		a, err := h.Service.SetSSOActive(r.Context(), p.Actor(), r.PathValue("id"), active)
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusOK, a)
		return nil
	}
}

func (h *Handler) deleteApps(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in DeleteAppsInput
	if err := web.DecodeJSON(r.Body, web.MaxBodyBytes, &in); err != nil {
		return err
	}
	if in.Confirm == nil {
		return directory.Invalid(directory.FieldError{Field: "confirm", Reason: "is required: the number of applications being deleted"})
	}
	if err := h.Service.DeleteApps(r.Context(), p.Actor(), in.IDs, *in.Confirm); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string][]string{"deleted": uniqueStrings(in.IDs)})
	return nil
}

func uniqueStrings(ids []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// readRaw reads a non-JSON body of at most limit bytes (ETOOLARGE beyond).
func readRaw(r io.Reader, limit int64, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, &directory.Error{Code: directory.EINVALID, Message: "cannot read the request body", Err: err}
	}
	if int64(len(data)) > limit {
		return nil, &directory.Error{Code: directory.ETOOLARGE, Message: what + " is too large",
			Fields: []directory.FieldError{{Field: what, Reason: "is too large"}}}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, directory.Invalid(directory.FieldError{Field: what, Reason: "is empty"})
	}
	return data, nil
}

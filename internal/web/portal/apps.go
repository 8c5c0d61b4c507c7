package portal

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
)

// mountApps registers the SSO Applications pages:
//
//	GET  /admin/apps                       configured applications (?q=, ?offset=)
//	GET  /admin/apps/delete?id=..          "Type N to delete N applications"; POST deletes
//	GET  /admin/apps/new                   + Add New Application: catalog search (?q=)
//	GET  /admin/apps/new/select?template=  the selected template and Next
//	GET  /admin/apps/new/details?template=, POST   details form, Save Application
//	GET  /admin/apps/{id}/saved            "Application saved": Configure Application or Close
//	GET  /admin/apps/{id}, POST            General Info tab
//	GET  /admin/apps/{id}/image            the user-portal image; POST uploads, POST .../image/remove
//	GET  /admin/apps/{id}/sso, POST        SSO tab (settings and JIT attributes)
//	POST /admin/apps/{id}/sso/metadata     import SP metadata
//	GET  /admin/apps/{id}/sso/deactivate, POST   Deactivate SSO (confirmation); POST .../sso/activate
//	GET  /admin/apps/{id}/metadata         Export Metadata (IdP metadata download)
//	POST /admin/apps/{id}/keys/{next,activate-next,regenerate,upload}, /keys/{keyId}/remove
//	GET  /admin/apps/{id}/groups, POST     User Groups tab
//
// The selected template is a query parameter, not a path segment:
// "/admin/apps/new/{template}" would conflict with "/admin/apps/{id}/idm"
// and the other tabs in http.ServeMux.
func (h *Handler) mountApps(mux *http.ServeMux) {
	h.page(mux, "GET /admin/apps", h.appList)
	h.page(mux, "GET /admin/apps/{$}", h.appList)
	h.page(mux, "GET /admin/apps/delete", h.appDeleteForm)
	h.page(mux, "POST /admin/apps/delete", h.appDelete)
	h.page(mux, "GET /admin/apps/new", h.appCatalog)
	h.page(mux, "GET /admin/apps/new/select", h.appSelect)
	h.page(mux, "GET /admin/apps/new/details", h.appDetailsForm)
	h.page(mux, "POST /admin/apps/new/details", h.appCreate)
	h.page(mux, "GET /admin/apps/{id}/saved", h.appSaved)
	h.page(mux, "GET /admin/apps/{id}", h.appGeneral)
	h.page(mux, "POST /admin/apps/{id}", h.appGeneralSave)
	h.page(mux, "GET /admin/apps/{id}/image", h.appImage)
	h.page(mux, "POST /admin/apps/{id}/image", h.appImageUpload)
	h.page(mux, "POST /admin/apps/{id}/image/remove", h.appImageRemove)
	h.page(mux, "GET /admin/apps/{id}/sso", h.appSSO)
	h.page(mux, "POST /admin/apps/{id}/sso", h.appSSOSave)
	h.page(mux, "POST /admin/apps/{id}/sso/metadata", h.appSSOImport)
	h.page(mux, "GET /admin/apps/{id}/sso/deactivate", h.appDeactivateForm)
	h.page(mux, "POST /admin/apps/{id}/sso/deactivate", h.appSetActive(false))
	h.page(mux, "POST /admin/apps/{id}/sso/activate", h.appSetActive(true))
	h.page(mux, "GET /admin/apps/{id}/metadata", h.appMetadata)
	h.page(mux, "POST /admin/apps/{id}/keys/next", h.appKeyNext)
	h.page(mux, "POST /admin/apps/{id}/keys/activate-next", h.appKeyActivateNext)
	h.page(mux, "POST /admin/apps/{id}/keys/regenerate", h.appKeyRegenerate)
	h.page(mux, "POST /admin/apps/{id}/keys/upload", h.appKeyUpload)
	h.page(mux, "POST /admin/apps/{id}/keys/{keyId}/remove", h.appKeyRemove)
	h.page(mux, "GET /admin/apps/{id}/groups", h.appGroups)
	h.page(mux, "POST /admin/apps/{id}/groups", h.appGroupsSave)
}

// maxAppSearch bounds a search text.
const maxAppSearch = 256

// badParam is the error of a malformed query parameter.
func badParam(field, reason string) error {
	return directory.Invalid(directory.FieldError{Field: field, Reason: reason})
}

// loadApp reads one application; ENOTFOUND for an unknown id.
func (h *Handler) loadApp(ctx context.Context, id string) (*directory.App, error) {
	var a *directory.App
	err := h.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		a, err = tx.GetApp(ctx, id)
		return err
	})
	return a, err
}

// appTemplate is the catalog entry of an app (zero when the template was
// removed from the catalog).
func appTemplate(a *directory.App) catalog.Template {
	t, _ := catalog.Get(a.TemplateID)
	return t
}

// appRow is one line of the configured applications list.
type appRow struct {
	App      directory.App
	Template catalog.Template
	SAML     bool
	// SSOText/SSOClass and IdMText/IdMClass are the status badges.
	SSOText, SSOClass string
	IdMText, IdMClass string
}

type appListData struct {
	Q                    string
	Rows                 []appRow
	Total, Offset, Limit int
	Prev, Next           string // offsets of the neighbouring pages, "" when none
}

func (h *Handler) appList(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > maxAppSearch {
		return badParam("q", "must be at most 256 bytes")
	}
	offset, err := parseOffset(r.URL.Query().Get("offset"))
	if err != nil {
		return err
	}
	d := &appListData{Q: q, Offset: offset, Limit: directory.DefaultPageSize}
	var apps []directory.App
	ssoOf := map[string]*directory.AppSSO{}
	err = h.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		apps, d.Total, err = tx.ListApps(ctx, directory.AppFilter{Search: q, Offset: offset, Limit: d.Limit})
		if err != nil {
			return err
		}
		for _, a := range apps {
			if appTemplate(&a).Capabilities.SSOSAML {
				if ssoOf[a.ID], err = tx.GetAppSSO(ctx, a.ID); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, a := range apps {
		row := appRow{App: a, Template: appTemplate(&a)}
		caps := row.Template.Capabilities
		row.SAML = caps.SSOSAML
		switch {
		case caps.SSOSAML && !a.SSOActive:
			row.SSOText, row.SSOClass = "SSO deactivated", "off"
		case caps.SSOSAML && ssoOf[a.ID] != nil && !ssoOf[a.ID].Configured():
			row.SSOText, row.SSOClass = "SSO not configured", "warn"
		case caps.SSOSAML:
			row.SSOText, row.SSOClass = "SSO active", "active"
		case caps.Bookmark && a.SSOActive:
			row.SSOText, row.SSOClass = "Bookmark active", "active"
		case caps.Bookmark:
			row.SSOText, row.SSOClass = "Bookmark deactivated", "off"
		default:
			row.SSOText = "No SSO"
		}
		row.IdMText, row.IdMClass = h.idmBadge(ctx, &a, caps)
		d.Rows = append(d.Rows, row)
	}
	if offset > 0 {
		d.Prev = strconv.Itoa(max(0, offset-d.Limit))
	}
	if offset+len(apps) < d.Total {
		d.Next = strconv.Itoa(offset + d.Limit)
	}
	h.render(w, r, http.StatusOK, "apps", &view{Title: "SSO Applications", Section: "apps", Session: s, Data: d})
	return nil
}

// idmBadge is the identity-management status of an app for the list.
func (h *Handler) idmBadge(ctx context.Context, a *directory.App, caps catalog.Capabilities) (string, string) {
	if caps.IdentityManagement == "" {
		return "No IdM", ""
	}
	if h.IdM == nil {
		return "IdM unavailable", "warn"
	}
	st, err := h.IdM.Get(ctx, a.ID)
	switch {
	case err != nil:
		h.log().WarnContext(ctx, "portal: identity management status", "app", a.ID, "err", err)
		return "IdM unknown", "warn"
	case st.Active:
		return "IdM active", "active"
	case st.HasToken || st.BaseURL != "":
		return "IdM inactive", "off"
	}
	return "IdM not configured", ""
}

// parseOffset reads a list offset ("" is 0).
func parseOffset(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 1<<30 {
		return 0, badParam("offset", "must be a number of at least 0")
	}
	return n, nil
}

type appDeleteData struct {
	Apps    []directory.App
	IDs     []string
	Count   int
	Confirm string
}

// deleteData loads the applications selected for deletion: at least one,
// each known (ENOTFOUND otherwise), duplicates counted once.
func (h *Handler) deleteData(ctx context.Context, ids []string) (*appDeleteData, error) {
	seen := map[string]bool{}
	d := &appDeleteData{}
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			d.IDs = append(d.IDs, id)
		}
	}
	if len(d.IDs) == 0 {
		return nil, badParam("id", "select at least one application to delete")
	}
	if len(d.IDs) > lifecycle.MaxAppsPerCall {
		return nil, badParam("id", fmt.Sprintf("select at most %d applications at once", lifecycle.MaxAppsPerCall))
	}
	err := h.Store.View(ctx, func(tx directory.Tx) error {
		for _, id := range d.IDs {
			a, err := tx.GetApp(ctx, id)
			if err != nil {
				return err
			}
			d.Apps = append(d.Apps, *a)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.Count = len(d.IDs)
	return d, nil
}

func (h *Handler) appDeleteForm(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	d, err := h.deleteData(r.Context(), r.URL.Query()["id"])
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "app_delete", &view{Title: "Delete applications", Section: "apps", Session: s, Data: d})
	return nil
}

func (h *Handler) appDelete(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	d, err := h.deleteData(ctx, r.PostForm["id"])
	if err != nil {
		return err
	}
	d.Confirm = strings.TrimSpace(r.PostForm.Get("confirm"))
	n, convErr := strconv.Atoi(d.Confirm)
	if convErr == nil {
		err = h.Service.DeleteApps(ctx, actor(s), d.IDs, n)
	} else {
		err = badParam("confirm", fmt.Sprintf("type the number of applications being deleted (%d)", d.Count))
	}
	if err != nil {
		if directory.ErrorCode(err) != directory.EINVALID {
			return err
		}
		v := &view{Title: "Delete applications", Section: "apps", Session: s, Data: d}
		v.setError(err)
		h.render(w, r, formStatus(err), "app_delete", v)
		return nil
	}
	notice := "Deleted 1 application."
	if d.Count != 1 {
		notice = fmt.Sprintf("Deleted %d applications.", d.Count)
	}
	seeOther(w, r, "/admin/apps", notice)
	return nil
}

package api

import (
	"net/http"
	"strconv"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/importer"
	"github.com/jumpgate-idp/jumpgate/internal/web"
)

// ImportInput is the body of POST /api/v1/apps/{id}/import.
type ImportInput struct {
	IDs []string `json:"ids,omitempty"`
	All bool     `json:"all,omitempty"`
}

func (h *Handler) mountImports(mux *http.ServeMux) {
	h.handle(mux, "GET /api/v1/apps/{id}/import/users", readOnly, h.importUsers)
	h.handle(mux, "POST /api/v1/apps/{id}/import", writeOnly, h.importRun)
	// Jobs hold activation links and the outbox holds mail: admins only.
	h.handle(mux, "GET /api/v1/imports/{jobId}", writeOnly, h.importJob)
	h.handle(mux, "GET /api/v1/outbox", writeOnly, h.listOutbox)
}

func (h *Handler) importer() (*importer.Importer, error) {
	if h.Importer == nil {
		return nil, directory.Errorf(directory.EUNAVAILABLE, "importing is not configured")
	}
	return h.Importer, nil
}

// writeImportError answers 502 when the application failed, else as usual.
func writeImportError(w http.ResponseWriter, r *http.Request, err error) error {
	if directory.ErrorCode(err) == directory.EUNAVAILABLE && connector.AsError(err) != nil {
		web.WriteJSON(w, http.StatusBadGateway, web.ErrorBody{Error: web.ErrorDetail{Code: "bad_gateway",
			Message: directory.ErrorMessage(err), RequestID: web.RequestID(r.Context())}})
		return nil
	}
	return err
}

func boolParam(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, directory.Invalid(directory.FieldError{Field: name, Reason: "must be true or false"})
	}
	return b, nil
}

func (h *Handler) importUsers(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	im, err := h.importer()
	if err != nil {
		return err
	}
	newFirst, err := boolParam(r, "new_first")
	if err != nil {
		return err
	}
	onlyNew, err := boolParam(r, "only_new")
	if err != nil {
		return err
	}
	users, err := im.ListUsers(r.Context(), r.PathValue("id"), importer.ListOptions{NewFirst: newFirst, OnlyNew: onlyNew})
	if err != nil {
		return writeImportError(w, r, err)
	}
	news := 0
	for _, u := range users {
		if u.Status == importer.StatusNew {
			news++
		}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"users": users, "total": len(users), "new": news})
	return nil
}

func (h *Handler) importRun(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	im, err := h.importer()
	if err != nil {
		return err
	}
	var in ImportInput
	if err := web.DecodeJSON(r.Body, web.MaxBodyBytes, &in); err != nil {
		return err
	}
	if in.All && len(in.IDs) > 0 {
		return directory.Invalid(directory.FieldError{Field: "ids", Reason: "give ids or all, not both"})
	}
	admin := directory.Actor{Type: directory.ActorAdmin}
	if p != nil {
		admin.ID, admin.Email = p.Admin.ID, p.Admin.Email
	}
	res, err := im.Import(r.Context(), admin, r.PathValue("id"), importer.Selection{IDs: in.IDs, All: in.All})
	if err != nil {
		return writeImportError(w, r, err)
	}
	if res.Job != nil {
		w.Header().Set("Location", "/api/v1/imports/"+res.Job.ID)
		web.WriteJSON(w, http.StatusAccepted, res)
		return nil
	}
	web.WriteJSON(w, http.StatusOK, res)
	return nil
}

func (h *Handler) importJob(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	im, err := h.importer()
	if err != nil {
		return err
	}
	j, err := im.GetJob(r.Context(), r.PathValue("jobId"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, j)
	return nil
}

func (h *Handler) listOutbox(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	if h.Outbox == nil {
		return directory.Errorf(directory.EUNAVAILABLE, "the outbox is not in use: mail goes to the SMTP server")
	}
	msgs, err := h.Outbox.List(r.Context(), 100)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"messages": msgs})
	return nil
}

package api

import (
	"net/http"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/web"
)

// IdMSettingsInput is the body of PUT /api/v1/apps/{id}/idm.
type IdMSettingsInput struct {
	BaseURL       *string `json:"baseUrl,omitempty"`
	Token         *string `json:"token,omitempty"`
	GroupsEnabled *bool   `json:"groupsEnabled,omitempty"`
}

// IdMReauthInput is the body of POST /api/v1/apps/{id}/idm/reauth.
type IdMReauthInput struct {
	Token string `json:"token"`
}

// IdMSyncInput is the body of POST /api/v1/apps/{id}/idm/sync: exactly one id.
type IdMSyncInput struct {
	UserID  string `json:"userId,omitempty"`
	GroupID string `json:"groupId,omitempty"`
}

func (h *Handler) mountIdM(mux *http.ServeMux) {
	h.handle(mux, "GET /api/v1/apps/{id}/idm", readOnly, h.getIdM)
	h.handle(mux, "PUT /api/v1/apps/{id}/idm", writeOnly, h.putIdM)
	h.handle(mux, "POST /api/v1/apps/{id}/idm/activate", writeOnly, h.activateIdM)
	h.handle(mux, "POST /api/v1/apps/{id}/idm/deactivate", writeOnly, h.deactivateIdM)
	h.handle(mux, "POST /api/v1/apps/{id}/idm/reauth", writeOnly, h.reauthIdM)
	h.handle(mux, "GET /api/v1/apps/{id}/idm/status", readOnly, h.idmStatus)
	h.handle(mux, "POST /api/v1/apps/{id}/idm/sync", writeOnly, h.idmSync)
	h.handle(mux, "GET /api/v1/apps/{id}/idm/plan", readOnly, h.idmPlan)
	h.handle(mux, "POST /api/v1/apps/{id}/idm/users/{userId}/end-sessions", writeOnly, h.idmEndSessions)
}

func (h *Handler) idm() (*provision.Manager, error) {
	if h.IdM == nil {
		return nil, directory.Errorf(directory.EUNAVAILABLE, "identity management is not configured")
	}
	return h.IdM, nil
}

func (h *Handler) engine() (*provision.Engine, error) {
	if h.IdMEngine == nil {
		return nil, directory.Errorf(directory.EUNAVAILABLE, "the provisioning engine is not running")
	}
	return h.IdMEngine, nil
}

func initiator(p *auth.Principal) string {
	if p == nil || p.Admin.ID == "" {
		return "api"
	}
	return "admin:" + p.Admin.ID
}

func (h *Handler) getIdM(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	m, err := h.idm()
	if err != nil {
		return err
	}
	s, err := m.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, s)
	return nil
}

func (h *Handler) putIdM(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	m, err := h.idm()
	if err != nil {
		return err
	}
	var in IdMSettingsInput
	if err := web.DecodeJSON(r.Body, web.MaxBodyBytes, &in); err != nil {
		return err
	}
	s, err := m.Configure(r.Context(), initiator(p), r.PathValue("id"),
		provision.SettingsUpdate{BaseURL: in.BaseURL, Token: in.Token, GroupsEnabled: in.GroupsEnabled})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, s)
	return nil
}

func (h *Handler) activateIdM(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	m, err := h.idm()
	if err != nil {
		return err
	}
	s, err := m.Activate(r.Context(), initiator(p), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, s)
	return nil
}

func (h *Handler) deactivateIdM(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	m, err := h.idm()
	if err != nil {
		return err
	}
	s, err := m.Deactivate(r.Context(), initiator(p), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, s)
	return nil
}

func (h *Handler) reauthIdM(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	m, err := h.idm()
	if err != nil {
		return err
	}
	var in IdMReauthInput
	if err := web.DecodeJSON(r.Body, web.MaxBodyBytes, &in); err != nil {
		return err
	}
	s, err := m.Reauth(r.Context(), initiator(p), r.PathValue("id"), in.Token)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, s)
	return nil
}

func (h *Handler) idmStatus(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	m, err := h.idm()
	if err != nil {
		return err
	}
	if _, err := m.Get(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	now := time.Now()
	if m.Now != nil {
		now = m.Now()
	}
	s, err := provision.QueueStatus(r.Context(), m.Store, r.PathValue("id"), now)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, s)
	return nil
}

func (h *Handler) idmSync(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	e, err := h.engine()
	if err != nil {
		return err
	}
	var in IdMSyncInput
	if err := web.DecodeJSON(r.Body, web.MaxBodyBytes, &in); err != nil {
		return err
	}
	kind, id := provision.KindUser, in.UserID
	switch {
	case in.UserID != "" && in.GroupID != "", in.UserID == "" && in.GroupID == "":
		return directory.Invalid(directory.FieldError{Field: "userId", Reason: "give exactly one of userId and groupId"})
	case in.GroupID != "":
		kind, id = provision.KindGroup, in.GroupID
	}
	if len(id) > 128 {
		return directory.Invalid(directory.FieldError{Field: kind + "Id", Reason: "is too long"})
	}
	out, err := e.SyncNow(r.Context(), r.PathValue("id"), kind, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) idmPlan(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	e, err := h.engine()
	if err != nil {
		return err
	}
	if m, err := h.idm(); err == nil {
		s, err := m.Get(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		if !s.Active {
			return directory.Conflict("active", "activate the integration first")
		}
	}
	p, err := e.Plan(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (h *Handler) idmEndSessions(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	e, err := h.engine()
	if err != nil {
		return err
	}
	uid := r.PathValue("userId")
	if len(uid) > 128 {
		return directory.Invalid(directory.FieldError{Field: "userId", Reason: "is too long"})
	}
	out, err := e.EndSessions(r.Context(), r.PathValue("id"), uid)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

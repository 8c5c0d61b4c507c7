package api

import (
	"net/http"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web"
)

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	f, err := userFilter(r.URL.Query())
	if err != nil {
		return err
	}
	return h.writeUsers(w, r, f)
}

func (h *Handler) writeUsers(w http.ResponseWriter, r *http.Request, f directory.UserFilter) error {
	var page Page[directory.User]
	err := h.Store.View(r.Context(), func(tx directory.Tx) error {
		if f.GroupID != "" {
			if _, err := tx.GetGroup(r.Context(), f.GroupID); err != nil {
				return err
			}
		}
		var err error
		page.Items, page.Total, err = tx.ListUsers(r.Context(), f)
		return err
	})
	if err != nil {
		return err
	}
	if page.Items == nil {
		page.Items = []directory.User{}
	}
	page.Limit, page.Offset = f.Limit, f.Offset
	web.WriteJSON(w, http.StatusOK, page)
	return nil
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var u *directory.User
	err := h.Store.View(r.Context(), func(tx directory.Tx) error {
		var err error
		u, err = tx.GetUser(r.Context(), r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, u)
	return nil
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	in, err := DecodeUser(r.Body)
	if err != nil {
		return err
	}
	u, err := h.Service.CreateUser(r.Context(), p.Actor(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+u.ID)
	web.WriteJSON(w, http.StatusCreated, u)
	return nil
}

func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	upd, err := DecodeUserUpdate(r.Body)
	if err != nil {
		return err
	}
	u, err := h.Service.UpdateUser(r.Context(), p.Actor(), r.PathValue("id"), upd)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, u)
	return nil
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := h.Service.DeleteUser(r.Context(), p.Actor(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) suspendUser(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	u, err := h.Service.SuspendUser(r.Context(), p.Actor(), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, u)
	return nil
}

func (h *Handler) activateUser(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	u, err := h.Service.ActivateUser(r.Context(), p.Actor(), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, u)
	return nil
}

func (h *Handler) userGroups(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	f, err := groupFilter(r.URL.Query())
	if err != nil {
		return err
	}
	f.UserID = r.PathValue("id")
	return h.writeGroups(w, r, f)
}

package api

import (
	"net/http"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web"
)

func (h *Handler) listGroups(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	f, err := groupFilter(r.URL.Query())
	if err != nil {
		return err
	}
	return h.writeGroups(w, r, f)
}

func (h *Handler) writeGroups(w http.ResponseWriter, r *http.Request, f directory.GroupFilter) error {
	var page Page[directory.Group]
	err := h.Store.View(r.Context(), func(tx directory.Tx) error {
		if f.UserID != "" {
			if _, err := tx.GetUser(r.Context(), f.UserID); err != nil {
				return err
			}
		}
		var err error
		page.Items, page.Total, err = tx.ListGroups(r.Context(), f)
		return err
	})
	if err != nil {
		return err
	}
	if page.Items == nil {
		page.Items = []directory.Group{}
	}
	page.Limit, page.Offset = f.Limit, f.Offset
	web.WriteJSON(w, http.StatusOK, page)
	return nil
}

func (h *Handler) getGroup(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var g *directory.Group
	err := h.Store.View(r.Context(), func(tx directory.Tx) error {
		var err error
		g, err = tx.GetGroup(r.Context(), r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, g)
	return nil
}

func (h *Handler) createGroup(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	in, err := DecodeGroup(r.Body)
	if err != nil {
		return err
	}
	g, err := h.Service.CreateGroup(r.Context(), p.Actor(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/groups/"+g.ID)
	web.WriteJSON(w, http.StatusCreated, g)
	return nil
}

func (h *Handler) updateGroup(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	upd, err := DecodeGroupUpdate(r.Body)
	if err != nil {
		return err
	}
	g, err := h.Service.UpdateGroup(r.Context(), p.Actor(), r.PathValue("id"), upd)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, g)
	return nil
}

func (h *Handler) deleteGroup(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := h.Service.DeleteGroup(r.Context(), p.Actor(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) listMembers(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	f, err := userFilter(r.URL.Query())
	if err != nil {
		return err
	}
	f.GroupID = r.PathValue("id")
	return h.writeUsers(w, r, f)
}

func (h *Handler) addMembers(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	in, err := DecodeMembers(r.Body)
	if err != nil {
		return err
	}
	added, err := h.Service.AddMembers(r.Context(), p.Actor(), r.PathValue("id"), in.UserIDs)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string][]string{"added": added})
	return nil
}

func (h *Handler) removeMembers(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	in, err := DecodeMembers(r.Body)
	if err != nil {
		return err
	}
	removed, err := h.Service.RemoveMembers(r.Context(), p.Actor(), r.PathValue("id"), in.UserIDs)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string][]string{"removed": removed})
	return nil
}

package portal

import (
	"context"
	"net/http"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// mountGroups registers the User Groups pages:
//
//	GET  /admin/groups                     groups (?q=, ?offset=)
//	GET  /admin/groups/new                 + New group form; POST /admin/groups creates
//	GET  /admin/groups/{id}, POST          Details tab (name, description)
//	GET  /admin/groups/{id}/delete, POST   delete with an "I understand" check
//	GET  /admin/groups/{id}/users          Users tab: members (?offset=), search to add (?find=)
//	POST /admin/groups/{id}/users/add, /users/remove   (userId, many)
//	GET  /admin/groups/{id}/apps, POST     Applications tab: the apps the group is bound to
func (h *Handler) mountGroups(mux *http.ServeMux) {
	h.page(mux, "GET /admin/groups", h.groupList)
	h.page(mux, "GET /admin/groups/{$}", h.groupList)
	h.page(mux, "GET /admin/groups/new", h.groupNewForm)
	h.page(mux, "POST /admin/groups", h.groupCreate)
	h.page(mux, "POST /admin/groups/{$}", h.groupCreate)
	h.page(mux, "GET /admin/groups/{id}", h.groupDetails)
	h.page(mux, "POST /admin/groups/{id}", h.groupSave)
	h.page(mux, "GET /admin/groups/{id}/delete", h.groupDeleteForm)
	h.page(mux, "POST /admin/groups/{id}/delete", h.groupDelete)
	h.page(mux, "GET /admin/groups/{id}/users", h.groupUsers)
	h.page(mux, "POST /admin/groups/{id}/users/add", h.groupMembers(true))
	h.page(mux, "POST /admin/groups/{id}/users/remove", h.groupMembers(false))
	h.page(mux, "GET /admin/groups/{id}/apps", h.groupApps)
	h.page(mux, "POST /admin/groups/{id}/apps", h.groupAppsSave)
}

type groupListData struct {
	Q    string
	Rows []directory.Group
	Page pager
}

func (h *Handler) groupList(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	q, err := searchParam(r, "q")
	if err != nil {
		return err
	}
	offset, err := parseOffset(r.URL.Query().Get("offset"))
	if err != nil {
		return err
	}
	f := directory.GroupFilter{Search: q, Offset: offset, Limit: directory.DefaultPageSize}
	var groups []directory.Group
	var total int
	err = h.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		groups, total, err = tx.ListGroups(ctx, f)
		return err
	})
	if err != nil {
		return err
	}
	d := &groupListData{Q: q, Rows: groups, Page: newPager(total, offset, f.Limit, len(groups))}
	h.render(w, r, http.StatusOK, "groups", &view{Title: "User Groups", Section: "groups", Session: s, Data: d})
	return nil
}

// loadGroup reads one group (MemberCount filled); ENOTFOUND for an unknown id.
func (h *Handler) loadGroup(ctx context.Context, id string) (*directory.Group, error) {
	var g *directory.Group
	err := h.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		g, err = tx.GetGroup(ctx, id)
		return err
	})
	return g, err
}

// groupForm is the group form as typed.
type groupForm struct{ Name, Description string }

func readGroupForm(r *http.Request) groupForm {
	return groupForm{Name: r.PostForm.Get("name"), Description: r.PostForm.Get("description")}
}

// groupTab is the head of a group's pages: the group and the current tab
// (details, users, apps).
type groupTab struct {
	Group *directory.Group
	Tab   string
}

type groupDetailsData struct {
	Panel groupTab
	Form  groupForm
}

func (h *Handler) groupNewForm(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	h.render(w, r, http.StatusOK, "group_new", &view{Title: "New user group", Section: "groups", Session: s, Data: &groupForm{}})
	return nil
}

func (h *Handler) groupCreate(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	f := readGroupForm(r)
	g, err := h.Service.CreateGroup(r.Context(), actor(s), directory.Group{Name: f.Name, Description: f.Description})
	if err != nil {
		if !formError(err) {
			return err
		}
		v := &view{Title: "New user group", Section: "groups", Session: s, Data: &f}
		v.setError(err)
		h.render(w, r, formStatus(err), "group_new", v)
		return nil
	}
	seeOther(w, r, "/admin/groups/"+g.ID+"/users", "User group "+g.Name+" created. Add its members below.")
	return nil
}

func (h *Handler) groupDetails(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	g, err := h.loadGroup(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	d := &groupDetailsData{Panel: groupTab{Group: g, Tab: "details"}, Form: groupForm{Name: g.Name, Description: g.Description}}
	h.render(w, r, http.StatusOK, "group", &view{Title: g.Name, Section: "groups", Session: s, Data: d})
	return nil
}

func (h *Handler) groupSave(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	g, err := h.loadGroup(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	// Only the fields the form sent change.
	f := groupForm{Name: g.Name, Description: g.Description}
	var upd directory.GroupUpdate
	if vs, ok := r.PostForm["name"]; ok && len(vs) > 0 {
		f.Name, upd.Name = vs[0], &f.Name
	}
	if vs, ok := r.PostForm["description"]; ok && len(vs) > 0 {
		f.Description, upd.Description = vs[0], &f.Description
	}
	next, err := h.Service.UpdateGroup(ctx, actor(s), g.ID, upd)
	if err != nil {
		if !formError(err) {
			return err
		}
		d := &groupDetailsData{Panel: groupTab{Group: g, Tab: "details"}, Form: f}
		v := &view{Title: g.Name, Section: "groups", Session: s, Data: d}
		v.setError(err)
		h.render(w, r, formStatus(err), "group", v)
		return nil
	}
	seeOther(w, r, "/admin/groups/"+next.ID, "User group "+next.Name+" saved.")
	return nil
}

type groupDeleteData struct {
	Group *directory.Group
	Apps  int
}

func (h *Handler) groupDeleteView(ctx context.Context, s *adminauth.Session, id string) (*view, error) {
	d := &groupDeleteData{}
	err := h.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		if d.Group, err = tx.GetGroup(ctx, id); err != nil {
			return err
		}
		apps, err := tx.GroupAppIDs(ctx, id)
		d.Apps = len(apps)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &view{Title: "Delete " + d.Group.Name, Section: "groups", Session: s, Data: d}, nil
}

func (h *Handler) groupDeleteForm(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	v, err := h.groupDeleteView(r.Context(), s, r.PathValue("id"))
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "group_delete", v)
	return nil
}

// groupDelete deletes the group once "I understand" is checked.
func (h *Handler) groupDelete(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	v, err := h.groupDeleteView(ctx, s, r.PathValue("id"))
	if err != nil {
		return err
	}
	g := v.Data.(*groupDeleteData).Group
	if r.PostForm.Get("confirm") != "yes" {
		v.setError(badParam("confirm", "check “I understand” to delete the group"))
		h.render(w, r, http.StatusBadRequest, "group_delete", v)
		return nil
	}
	if err := h.Service.DeleteGroup(ctx, actor(s), g.ID); err != nil {
		return err
	}
	seeOther(w, r, "/admin/groups", "User group "+g.Name+" deleted.")
	return nil
}

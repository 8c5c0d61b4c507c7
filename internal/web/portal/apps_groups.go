package portal

import (
	"context"
	"fmt"
	"net/http"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// groupRow is one group of the User Groups tab.
type groupRow struct {
	Group directory.Group
	Bound bool
}

type appGroupsData struct {
	Panel  appPanel
	Groups []groupRow
	Bound  int
}

// maxTabGroups bounds the groups the tab lists (and so the ids one save
// may send to SetAppGroups).
const maxTabGroups = directory.MaxPageSize

// groupsView lists every group, checked when bound to the app (or, after a
// refused save, when it was checked).
func (h *Handler) groupsView(ctx context.Context, s *adminauth.Session, a *directory.App, checked map[string]bool) (*view, error) {
	d := &appGroupsData{Panel: appPanel{App: a, Tab: "groups"}}
	err := h.Store.View(ctx, func(tx directory.Tx) error {
		bound, err := tx.AppGroupIDs(ctx, a.ID)
		if err != nil {
			return err
		}
		if checked == nil {
			checked = setOf(bound)
		}
		d.Bound = len(bound)
		groups, total, err := tx.ListGroups(ctx, directory.GroupFilter{Limit: maxTabGroups})
		if err != nil {
			return err
		}
		if total > len(groups) {
			return &directory.Error{Code: directory.EPRECONDITION,
				Message: fmt.Sprintf("there are %d user groups, more than this tab can list (%d): bind groups from the API or the CLI", total, maxTabGroups)}
		}
		for _, g := range groups {
			d.Groups = append(d.Groups, groupRow{Group: g, Bound: checked[g.ID]})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &view{Title: a.Label, Section: "apps", Session: s, Data: d}, nil
}

func (h *Handler) appGroups(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	a, err := h.loadApp(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	v, err := h.groupsView(r.Context(), s, a, nil)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "app_groups", v)
	return nil
}

// appGroupsSave binds exactly the checked groups (one SetAppGroups).
func (h *Handler) appGroupsSave(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	a, err := h.loadApp(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	ids := checkedIDs(r, "groupId")
	b, err := h.Service.SetAppGroups(ctx, actor(s), a.ID, ids)
	if err != nil {
		code := directory.ErrorCode(err)
		if code != directory.EINVALID && code != directory.ENOTFOUND {
			return err
		}
		checked := setOf(ids)
		v, verr := h.groupsView(ctx, s, a, checked)
		if verr != nil {
			return verr
		}
		v.setError(err)
		status := formStatus(err)
		if code == directory.ENOTFOUND {
			v.Error = "A selected group no longer exists: reload the page and try again. Nothing was changed."
			status = http.StatusConflict
		}
		h.render(w, r, status, "app_groups", v)
		return nil
	}
	seeOther(w, r, "/admin/apps/"+a.ID+"/groups", fmt.Sprintf("User groups saved: %d bound, %d unbound.", len(b.Bound), len(b.Unbound)))
	return nil
}

package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
)

// maxFound bounds the non-members a member search lists; the search reads
// up to maxFoundScan users to find them.
const (
	maxFound     = directory.DefaultPageSize
	maxFoundScan = 4 * maxFound
)

type groupUsersData struct {
	Panel   groupTab
	Members []userRow
	Page    pager
	// Find is the search for users to add; Found the matching users who
	// are not members (at most maxFound; More when there are others) and
	// AlreadyIn how many matching users were left out as members.
	Find      string
	Searched  bool
	Found     []userRow
	More      bool
	AlreadyIn int
}

// groupUsersView is the Users tab: a page of members and the users found
// by find.
func (h *Handler) groupUsersView(ctx context.Context, s *adminauth.Session, id string, offset int, find string) (*view, error) {
	d := &groupUsersData{Find: find, Searched: find != ""}
	err := h.Store.View(ctx, func(tx directory.Tx) error {
		g, err := tx.GetGroup(ctx, id)
		if err != nil {
			return err
		}
		d.Panel = groupTab{Group: g, Tab: "users"}
		members, total, err := tx.ListUsers(ctx, directory.UserFilter{GroupID: id, Offset: offset, Limit: directory.DefaultPageSize})
		if err != nil {
			return err
		}
		d.Members, d.Page = userRows(members), newPager(total, offset, directory.DefaultPageSize, len(members))
		if find == "" {
			return nil
		}
		ids, err := tx.MemberIDs(ctx, id)
		if err != nil {
			return err
		}
		in := make(map[string]bool, len(ids))
		for _, uid := range ids {
			in[uid] = true
		}
		found, ftotal, err := tx.ListUsers(ctx, directory.UserFilter{Search: find, Limit: maxFoundScan})
		if err != nil {
			return err
		}
		var out []directory.User
		for _, u := range found {
			switch {
			case in[u.ID]:
				d.AlreadyIn++
			case len(out) == maxFound:
				d.More = true
			default:
				out = append(out, u)
			}
		}
		d.Found = userRows(out)
		d.More = d.More || ftotal > len(found)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &view{Title: d.Panel.Group.Name, Section: "groups", Session: s, Data: d}, nil
}

func (h *Handler) groupUsers(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	find, err := searchParam(r, "find")
	if err != nil {
		return err
	}
	offset, err := parseOffset(r.URL.Query().Get("offset"))
	if err != nil {
		return err
	}
	v, err := h.groupUsersView(r.Context(), s, r.PathValue("id"), offset, find)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "group_users", v)
	return nil
}

// groupMembers adds or removes the checked users (one AddMembers or
// RemoveMembers).
func (h *Handler) groupMembers(add bool) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
		ctx := r.Context()
		g, err := h.loadGroup(ctx, r.PathValue("id"))
		if err != nil {
			return err
		}
		ids := r.PostForm["userId"]
		find := r.PostForm.Get("find")
		if len(find) > maxSearch {
			find = ""
		}
		if len(ids) == 0 {
			v, verr := h.groupUsersView(ctx, s, g.ID, 0, find)
			if verr != nil {
				return verr
			}
			v.Error = "Select at least one user."
			h.render(w, r, http.StatusBadRequest, "group_users", v)
			return nil
		}
		var done []string
		if add {
			done, err = h.Service.AddMembers(ctx, actor(s), g.ID, ids)
		} else {
			done, err = h.Service.RemoveMembers(ctx, actor(s), g.ID, ids)
		}
		if err != nil {
			if directory.ErrorCode(err) == directory.ENOTFOUND {
				return &directory.Error{Code: directory.ECONFLICT, Message: "A selected user no longer exists: reload the page and try again. Nothing was changed.", Err: err}
			}
			return err
		}
		notice := fmt.Sprintf("%d user%s removed from %s.", len(done), plural(len(done)), g.Name)
		back := "/admin/groups/" + g.ID + "/users"
		if add {
			notice = fmt.Sprintf("%d user%s added to %s.", len(done), plural(len(done)), g.Name)
			if find != "" {
				back += "?" + url.Values{"find": {find}}.Encode()
			}
		}
		seeOther(w, r, back, notice)
		return nil
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// groupAppRow is one application of the Applications tab.
type groupAppRow struct {
	App      directory.App
	Template catalog.Template
	Bound    bool
}

type groupAppsData struct {
	Panel groupTab
	Apps  []groupAppRow
	Bound int
}

// groupAppsView lists every application, checked when the group is bound
// to it (or, after a refused save, when it was checked).
func (h *Handler) groupAppsView(ctx context.Context, s *adminauth.Session, id string, checked map[string]bool) (*view, error) {
	d := &groupAppsData{}
	err := h.Store.View(ctx, func(tx directory.Tx) error {
		g, err := tx.GetGroup(ctx, id)
		if err != nil {
			return err
		}
		d.Panel = groupTab{Group: g, Tab: "apps"}
		bound, err := tx.GroupAppIDs(ctx, id)
		if err != nil {
			return err
		}
		d.Bound = len(bound)
		if checked == nil {
			checked = setOf(bound)
		}
		apps, total, err := tx.ListApps(ctx, directory.AppFilter{Limit: lifecycle.MaxAppsPerCall})
		if err != nil {
			return err
		}
		if total > len(apps) {
			return &directory.Error{Code: directory.EPRECONDITION,
				Message: fmt.Sprintf("there are %d applications, more than this tab can list (%d): bind them from each application's User Groups tab, the API or the CLI", total, len(apps))}
		}
		for _, a := range apps {
			d.Apps = append(d.Apps, groupAppRow{App: a, Template: appTemplate(&a), Bound: checked[a.ID]})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &view{Title: d.Panel.Group.Name, Section: "groups", Session: s, Data: d}, nil
}

func (h *Handler) groupApps(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	v, err := h.groupAppsView(r.Context(), s, r.PathValue("id"), nil)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "group_apps", v)
	return nil
}

// groupAppsSave binds the group to exactly the checked applications (one
// SetGroupApps).
func (h *Handler) groupAppsSave(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	g, err := h.loadGroup(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	ids := checkedIDs(r, "appId")
	b, err := h.Service.SetGroupApps(ctx, actor(s), g.ID, ids)
	if err != nil {
		code := directory.ErrorCode(err)
		if code != directory.EINVALID && code != directory.ENOTFOUND {
			return err
		}
		checked := setOf(ids)
		v, verr := h.groupAppsView(ctx, s, g.ID, checked)
		if verr != nil {
			return verr
		}
		v.setError(err)
		status := formStatus(err)
		if code == directory.ENOTFOUND {
			v.Error = "A selected application no longer exists: reload the page and try again. Nothing was changed."
			status = http.StatusConflict
		}
		h.render(w, r, status, "group_apps", v)
		return nil
	}
	seeOther(w, r, "/admin/groups/"+g.ID+"/apps", fmt.Sprintf("Applications saved: %d bound, %d unbound.", len(b.Bound), len(b.Unbound)))
	return nil
}

package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// maxGroupChoices bounds the groups offered in a user's "Add to group" list.
const maxGroupChoices = 100

type userPageData struct {
	User       *directory.User
	StateClass string
	Form       userForm
	// Groups are the user's groups; Choices the other groups matching GQ
	// (at most maxGroupChoices; More when there are others).
	Groups  []directory.Group
	Choices []directory.Group
	GQ      string
	More    bool
	CanLink bool
}

// userView is a user's page with the attributes form showing f.
func (h *Handler) userView(ctx context.Context, s *adminauth.Session, u *directory.User, f userForm, gq string) (*view, error) {
	d := &userPageData{User: u, StateClass: stateClass(u.State), Form: f, GQ: gq, CanLink: h.Users != nil}
	err := h.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		d.Groups, _, err = tx.ListGroups(ctx, directory.GroupFilter{UserID: u.ID, Limit: directory.MaxPageSize})
		if err != nil {
			return err
		}
		in := map[string]bool{}
		for _, g := range d.Groups {
			in[g.ID] = true
		}
		// Ask for enough groups to fill the list after leaving out the user's own.
		all, total, err := tx.ListGroups(ctx, directory.GroupFilter{Search: gq, Limit: min(directory.MaxPageSize, maxGroupChoices+len(d.Groups))})
		if err != nil {
			return err
		}
		for _, g := range all {
			if in[g.ID] {
				continue
			}
			if len(d.Choices) == maxGroupChoices {
				d.More = true
				break
			}
			d.Choices = append(d.Choices, g)
		}
		d.More = d.More || total > len(all)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &view{Title: userTitle(u), Section: "users", Session: s, Data: d}, nil
}

// userTitle names a user in a page title.
func userTitle(u *directory.User) string {
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if name == "" {
		return u.Username
	}
	return name + " (" + u.Username + ")"
}

func (h *Handler) userPage(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	gq, err := searchParam(r, "gq")
	if err != nil {
		return err
	}
	u, err := h.loadUser(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	v, err := h.userView(ctx, s, u, formOfUser(u), gq)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "user", v)
	return nil
}

// userSave writes the attributes form (one UpdateUser).
func (h *Handler) userSave(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	u, err := h.loadUser(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	// Only the fields the form sent change (a field left out keeps its value).
	f := formOfUser(u)
	var upd directory.UserUpdate
	set := func(name string, val *string, dst **string) {
		if vs := r.PostForm[name]; len(vs) > 0 {
			*val, *dst = vs[0], val
		}
	}
	set("username", &f.Username, &upd.Username)
	set("email", &f.Email, &upd.Email)
	set("firstname", &f.FirstName, &upd.FirstName)
	set("lastname", &f.LastName, &upd.LastName)
	set("displayName", &f.DisplayName, &upd.DisplayName)
	set("employeeIdentifier", &f.EmployeeID, &upd.EmployeeID)
	next, err := h.Service.UpdateUser(ctx, actor(s), u.ID, upd)
	if err != nil {
		if !formError(err) {
			return err
		}
		v, verr := h.userView(ctx, s, u, f, "")
		if verr != nil {
			return verr
		}
		v.setError(err)
		h.render(w, r, formStatus(err), "user", v)
		return nil
	}
	seeOther(w, r, "/admin/users/"+next.ID, "User "+next.Username+" saved.")
	return nil
}

// userSetState suspends or activates a user.
func (h *Handler) userSetState(activate bool) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
		ctx := r.Context()
		id := r.PathValue("id")
		var u *directory.User
		var err error
		if activate {
			u, err = h.Service.ActivateUser(ctx, actor(s), id)
		} else {
			u, err = h.Service.SuspendUser(ctx, actor(s), id)
		}
		if err != nil {
			return err
		}
		notice := "User " + u.Username + " suspended: they cannot sign in or use applications."
		if activate {
			notice = "User " + u.Username + " activated."
		}
		seeOther(w, r, "/admin/users/"+u.ID, notice)
		return nil
	}
}

// userLinkData is the page that shows an activation link once.
type userLinkData struct {
	User    *directory.User
	URL     string
	Expires time.Time
	Mailed  bool
	// MailErr says why the link could not be put in the outbox.
	MailErr string
	Created bool
}

// makeLink makes an activation link for u and, when mail is set and an
// outbox is configured, sends it to the user.
func (h *Handler) makeLink(ctx context.Context, s *adminauth.Session, u *directory.User, mail bool) (*userLinkData, error) {
	if h.Users == nil {
		return nil, unavailable("User sign-in")
	}
	link, err := h.Users.CreateActivationLink(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	d := &userLinkData{User: u, Expires: link.ExpiresAt,
		URL: strings.TrimRight(h.BaseURL, "/") + "/activate?token=" + url.QueryEscape(link.Token)}
	h.log().InfoContext(ctx, "portal: activation link created", "admin", s.Email, "user", u.ID, "expires", link.ExpiresAt)
	if mail {
		if h.Outbox == nil {
			d.MailErr = "Mail is not configured on this server: give the link to the user yourself."
			return d, nil
		}
		body := fmt.Sprintf("Hello %s,\n\nan account was made for you. Open this link to set your password (valid until %s):\n\n%s\n",
			strings.TrimSpace(u.FirstName+" "+u.LastName), link.ExpiresAt.UTC().Format("2006-01-02 15:04 MST"), d.URL)
		if err := h.Outbox.Send(ctx, u.Email, "Activate your account", body); err != nil {
			h.log().WarnContext(ctx, "portal: activation mail", "user", u.ID, "err", err)
			d.MailErr = "The link could not be mailed: give it to the user yourself."
			return d, nil
		}
		d.Mailed = true
	}
	return d, nil
}

func (h *Handler) userLink(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	u, err := h.loadUser(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	d, err := h.makeLink(ctx, s, u, r.PostForm.Get("mailLink") != "")
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "user_link", &view{Title: "Activation link", Section: "users", Session: s, Data: d})
	return nil
}

// formGroupID is the one group id a membership form posts.
func formGroupID(r *http.Request) (string, error) {
	id := strings.TrimSpace(r.PostForm.Get("groupId"))
	if id == "" || len(id) > 128 {
		return "", badParam("groupId", "choose a group")
	}
	return id, nil
}

func (h *Handler) userGroupAdd(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	return h.userGroupChange(w, r, s, true)
}

func (h *Handler) userGroupRemove(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	return h.userGroupChange(w, r, s, false)
}

// userGroupChange adds the user to, or removes them from, one group.
func (h *Handler) userGroupChange(w http.ResponseWriter, r *http.Request, s *adminauth.Session, add bool) error {
	ctx := r.Context()
	u, err := h.loadUser(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	gid, err := formGroupID(r)
	if err != nil {
		return err
	}
	g, err := h.loadGroup(ctx, gid)
	if err != nil {
		return err
	}
	var notice string
	if add {
		_, err = h.Service.AddMembers(ctx, actor(s), g.ID, []string{u.ID})
		notice = u.Username + " added to " + g.Name + "."
	} else {
		_, err = h.Service.RemoveMembers(ctx, actor(s), g.ID, []string{u.ID})
		notice = u.Username + " removed from " + g.Name + "."
	}
	if err != nil {
		return err
	}
	seeOther(w, r, "/admin/users/"+u.ID, notice)
	return nil
}

type userDeleteData struct {
	User   *directory.User
	Groups int
}

func (h *Handler) userDeleteView(ctx context.Context, s *adminauth.Session, id string) (*view, error) {
	d := &userDeleteData{}
	err := h.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		if d.User, err = tx.GetUser(ctx, id); err != nil {
			return err
		}
		gs, err := tx.GroupIDsOfUser(ctx, id)
		d.Groups = len(gs)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &view{Title: "Delete " + d.User.Username, Section: "users", Session: s, Data: d}, nil
}

func (h *Handler) userDeleteForm(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	v, err := h.userDeleteView(r.Context(), s, r.PathValue("id"))
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "user_delete", v)
	return nil
}

// userDelete deletes the user once "I understand" is checked.
func (h *Handler) userDelete(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	v, err := h.userDeleteView(ctx, s, r.PathValue("id"))
	if err != nil {
		return err
	}
	u := v.Data.(*userDeleteData).User
	if r.PostForm.Get("confirm") != "yes" {
		v.setError(badParam("confirm", "check “I understand” to delete the user"))
		h.render(w, r, http.StatusBadRequest, "user_delete", v)
		return nil
	}
	if err := h.Service.DeleteUser(ctx, actor(s), u.ID); err != nil {
		return err
	}
	seeOther(w, r, "/admin/users", "User "+u.Username+" deleted.")
	return nil
}

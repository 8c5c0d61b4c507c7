package portal

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// mountUsers registers the Users pages:
//
//	GET  /admin/users                      users (?q=, ?state=, ?offset=)
//	GET  /admin/users/new                  + New user form; POST /admin/users creates
//	GET  /admin/users/{id}, POST           a user: attributes, state, groups
//	POST /admin/users/{id}/suspend, /activate
//	POST /admin/users/{id}/activation-link a one-time activation link, shown once
//	POST /admin/users/{id}/groups/add, /groups/remove   (groupId)
//	GET  /admin/users/{id}/delete, POST    delete with an "I understand" check
func (h *Handler) mountUsers(mux *http.ServeMux) {
	h.page(mux, "GET /admin/users", h.userList)
	h.page(mux, "GET /admin/users/{$}", h.userList)
	h.page(mux, "GET /admin/users/new", h.userNewForm)
	h.page(mux, "POST /admin/users", h.userCreate)
	h.page(mux, "POST /admin/users/{$}", h.userCreate)
	h.page(mux, "GET /admin/users/{id}", h.userPage)
	h.page(mux, "POST /admin/users/{id}", h.userSave)
	h.page(mux, "POST /admin/users/{id}/suspend", h.userSetState(false))
	h.page(mux, "POST /admin/users/{id}/activate", h.userSetState(true))
	h.page(mux, "POST /admin/users/{id}/activation-link", h.userLink)
	h.page(mux, "POST /admin/users/{id}/groups/add", h.userGroupAdd)
	h.page(mux, "POST /admin/users/{id}/groups/remove", h.userGroupRemove)
	h.page(mux, "GET /admin/users/{id}/delete", h.userDeleteForm)
	h.page(mux, "POST /admin/users/{id}/delete", h.userDelete)
}

// maxSearch bounds a search text (as the JSON API does).
const maxSearch = 256

// searchParam reads a trimmed search text from the query parameter name.
func searchParam(r *http.Request, name string) (string, error) {
	q := strings.TrimSpace(r.URL.Query().Get(name))
	if len(q) > maxSearch {
		return "", badParam(name, "must be at most 256 bytes")
	}
	return q, nil
}

// pager holds the position of a list page and the offsets of its
// neighbours ("" when there is none).
type pager struct {
	Total, Offset, Limit, Shown int
	Prev, Next                  string
}

func newPager(total, offset, limit, shown int) pager {
	p := pager{Total: total, Offset: offset, Limit: limit, Shown: shown}
	if offset > 0 {
		p.Prev = strconv.Itoa(max(0, offset-limit))
	}
	if offset+shown < total {
		p.Next = strconv.Itoa(offset + limit)
	}
	return p
}

// From and To are the 1-based positions of the first and last row shown.
func (p pager) From() int { return p.Offset + 1 }

// To is the position of the last row shown.
func (p pager) To() int { return p.Offset + p.Shown }

// stateClass is the badge class of a user state.
func stateClass(s directory.UserState) string {
	switch s {
	case directory.UserActivated:
		return "active"
	case directory.UserSuspended:
		return "suspended"
	case directory.UserStaged:
		return "pending"
	}
	return ""
}

// userRow is one line of the users list.
type userRow struct {
	User       directory.User
	StateClass string
}

func userRows(us []directory.User) []userRow {
	out := make([]userRow, 0, len(us))
	for _, u := range us {
		out = append(out, userRow{User: u, StateClass: stateClass(u.State)})
	}
	return out
}

type userListData struct {
	Q, State string
	States   []directory.UserState
	// Sort is the column the list is ordered by ("" for username) and
	// Order "desc" or "".
	Sort, Order string
	Rows        []userRow
	Page        pager
}

// SortLink is the query of a column header: sorted by the column,
// ascending unless the list is sorted by it ascending already.
func (d *userListData) SortLink(col string) template.URL {
	q := url.Values{}
	for k, v := range map[string]string{"q": d.Q, "state": d.State, "sort": col} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if d.sortedBy(col) && d.Order != "desc" {
		q.Set("order", "desc")
	}
	return template.URL("?" + q.Encode())
}

// AriaSort is the aria-sort value of a column header.
func (d *userListData) AriaSort(col string) string {
	switch {
	case !d.sortedBy(col):
		return "none"
	case d.Order == "desc":
		return "descending"
	}
	return "ascending"
}

func (d *userListData) sortedBy(col string) bool {
	return d.Sort == col || (d.Sort == "" && col == string(directory.SortUsername))
}

// userSorts are the columns the users list can be sorted by.
var userSorts = []directory.UserSort{directory.SortUsername, directory.SortEmail, directory.SortLastName, directory.SortCreated}

var userStates = []directory.UserState{directory.UserActivated, directory.UserStaged, directory.UserSuspended}

func (h *Handler) userList(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	q, err := searchParam(r, "q")
	if err != nil {
		return err
	}
	offset, err := parseOffset(r.URL.Query().Get("offset"))
	if err != nil {
		return err
	}
	state := directory.UserState(r.URL.Query().Get("state"))
	if state != "" && !state.Valid() {
		return badParam("state", "must be one of staged, activated, suspended")
	}
	sort, order := directory.UserSort(r.URL.Query().Get("sort")), r.URL.Query().Get("order")
	if sort != "" && !slices.Contains(userSorts, sort) {
		return badParam("sort", "must be one of username, email, lastname, created")
	}
	if order != "" && order != "asc" && order != "desc" {
		return badParam("order", "must be asc or desc")
	}
	f := directory.UserFilter{Search: q, State: state, Sort: sort, Desc: order == "desc", Offset: offset, Limit: directory.DefaultPageSize}
	var users []directory.User
	var total int
	err = h.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		users, total, err = tx.ListUsers(ctx, f)
		return err
	})
	if err != nil {
		return err
	}
	d := &userListData{Q: q, State: string(state), States: userStates, Sort: string(sort), Rows: userRows(users),
		Page: newPager(total, offset, f.Limit, len(users))}
	if f.Desc {
		d.Order = "desc"
	}
	h.render(w, r, http.StatusOK, "users", &view{Title: "Users", Section: "users", Session: s, Data: d})
	return nil
}

// loadUser reads one user; ENOTFOUND for an unknown id.
func (h *Handler) loadUser(ctx context.Context, id string) (*directory.User, error) {
	var u *directory.User
	err := h.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		u, err = tx.GetUser(ctx, id)
		return err
	})
	return u, err
}

// userForm is the user attributes form as typed.
type userForm struct {
	Username, Email, FirstName, LastName, DisplayName, EmployeeID string
	State                                                         string
	// Link asks for an activation link after creating the user; Mail also
	// puts it in the outbox for the user.
	Link, Mail bool
}

func formOfUser(u *directory.User) userForm {
	return userForm{Username: u.Username, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
		DisplayName: u.DisplayName, EmployeeID: u.EmployeeID, State: string(u.State)}
}

func readUserForm(r *http.Request) userForm {
	f := r.PostForm
	return userForm{Username: f.Get("username"), Email: f.Get("email"), FirstName: f.Get("firstname"),
		LastName: f.Get("lastname"), DisplayName: f.Get("displayName"), EmployeeID: f.Get("employeeIdentifier"),
		State: f.Get("state"), Link: f.Get("activationLink") != "", Mail: f.Get("mailLink") != ""}
}

type userNewData struct {
	Form      userForm
	CanMail   bool
	CanLink   bool
	StateOpts []directory.UserState
}

func (h *Handler) userNewView(s *adminauth.Session, f userForm) *view {
	d := &userNewData{Form: f, CanMail: h.Outbox != nil, CanLink: h.Users != nil,
		StateOpts: []directory.UserState{directory.UserActivated, directory.UserStaged}}
	return &view{Title: "New user", Section: "users", Session: s, Data: d}
}

func (h *Handler) userNewForm(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	h.render(w, r, http.StatusOK, "user_new", h.userNewView(s, userForm{State: string(directory.UserActivated), Link: true}))
	return nil
}

func (h *Handler) userCreate(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	f := readUserForm(r)
	state := directory.UserState(f.State)
	if state == "" {
		state = directory.UserActivated
	}
	u, err := h.Service.CreateUser(ctx, actor(s), directory.User{Username: f.Username, Email: f.Email,
		FirstName: f.FirstName, LastName: f.LastName, DisplayName: f.DisplayName, EmployeeID: f.EmployeeID, State: state})
	if err != nil {
		if !formError(err) {
			return err
		}
		v := h.userNewView(s, f)
		v.setError(err)
		h.render(w, r, formStatus(err), "user_new", v)
		return nil
	}
	if !f.Link || h.Users == nil {
		seeOther(w, r, "/admin/users/"+u.ID, "User "+u.Username+" created.")
		return nil
	}
	d, err := h.makeLink(ctx, s, u, f.Mail)
	if err != nil {
		h.log().WarnContext(ctx, "portal: activation link of a new user", "user", u.ID, "err", err)
		seeOther(w, r, "/admin/users/"+u.ID, "User "+u.Username+" created, but no activation link could be made: make one from this page.")
		return nil
	}
	d.Created = true
	h.render(w, r, http.StatusOK, "user_link", &view{Title: "User created", Section: "users", Session: s, Data: d})
	return nil
}

// formError reports whether err is a refusal of the form's input (shown
// next to the fields) rather than a failure of the page.
func formError(err error) bool {
	switch directory.ErrorCode(err) {
	case directory.EINVALID, directory.ECONFLICT:
		return true
	}
	return false
}

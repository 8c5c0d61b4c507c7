package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
)

// mountIdM registers an application's Identity Management tab and imports:
//
//	GET  /admin/apps/{id}/idm                   the tab: Configure form, or status and actions (?user_q= user picker)
//	POST /admin/apps/{id}/idm/activate          save base URL, token, groups switch and Activate (tested first)
//	POST /admin/apps/{id}/idm/settings          groups switch of an active integration
//	POST /admin/apps/{id}/idm/token             replace the token (generic SCIM while active)
//	POST /admin/apps/{id}/idm/sync              Sync now / retry one user (userId)
//	GET  /admin/apps/{id}/idm/plan              dry run: what a full sync would change
//	GET  /admin/apps/{id}/idm/deactivate, POST  Deactivate IdM connection (confirmation)
//	GET  /admin/apps/{id}/import, POST          manual import (?show=all|new_first|new_only)
//	GET  /admin/apps/{id}/import/jobs/{jobId}   progress of a background import
func (h *Handler) mountIdM(mux *http.ServeMux) {
	h.page(mux, "GET /admin/apps/{id}/idm", h.idmTab)
	h.page(mux, "POST /admin/apps/{id}/idm/activate", h.idmActivate)
	h.page(mux, "POST /admin/apps/{id}/idm/settings", h.idmSettings)
	h.page(mux, "POST /admin/apps/{id}/idm/token", h.idmToken)
	h.page(mux, "POST /admin/apps/{id}/idm/sync", h.idmSync)
	h.page(mux, "GET /admin/apps/{id}/idm/plan", h.idmPlan)
	h.page(mux, "GET /admin/apps/{id}/idm/deactivate", h.idmDeactivateForm)
	h.page(mux, "POST /admin/apps/{id}/idm/deactivate", h.idmDeactivate)
	h.mountImport(mux)
}

// idmLastSyncWindow is how far back the tab looks for the last sync.
const idmLastSyncWindow = 30 * 24 * time.Hour

// idmPickerSize is how many users the Sync now picker lists.
const idmPickerSize = 20

// idmForm is the Configure form as submitted (the token is never echoed).
type idmForm struct {
	BaseURL string
	Groups  bool
}

// idmData is the data of the Identity Management tab.
type idmData struct {
	Panel    appPanel
	Template catalog.Template
	// NoIdM is set when the application's template offers no identity
	// management; nothing else is then filled in.
	NoIdM    bool
	IsQuip   bool
	CanWrite bool
	Settings *provision.Settings
	Status   *provision.Status
	LastSync *insights.Event
	// InsightsURL lists the application's provisioning events.
	InsightsURL string
	Form        idmForm
	// UserQ and Users are the Sync now picker's search and its matches.
	UserQ      string
	Users      []directory.User
	UsersTotal int
	// SyncResult is the outcome of a Sync now just made.
	SyncResult *idmSyncResult
}

type idmSyncResult struct {
	User    string
	Success bool
	Error   string
}

// idmApp reads an application; ENOTFOUND for an unknown id.
func (h *Handler) idmApp(ctx context.Context, id string) (*directory.App, error) {
	if len(id) > 128 {
		return nil, directory.NotFound("app", id)
	}
	var a *directory.App
	err := h.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		a, err = tx.GetApp(ctx, id)
		return err
	})
	return a, err
}

// idmNow is the clock of the identity-management services.
func (h *Handler) idmNow() time.Time {
	if h.IdM != nil && h.IdM.Now != nil {
		return h.IdM.Now()
	}
	return time.Now()
}

// idmLoad reads everything the tab shows.
func (h *Handler) idmLoad(ctx context.Context, s *adminauth.Session, appID string) (*idmData, error) {
	if h.IdM == nil {
		return nil, unavailable("Identity management")
	}
	app, err := h.idmApp(ctx, appID)
	if err != nil {
		return nil, err
	}
	tpl, _ := catalog.Get(app.TemplateID)
	d := &idmData{Panel: appPanel{App: app, Tab: "idm"}, Template: tpl, CanWrite: s.CanWrite()}
	if tpl.Capabilities.IdentityManagement == "" {
		d.NoIdM = true
		return d, nil
	}
	set, err := h.IdM.Get(ctx, appID)
	if err != nil {
		if directory.ErrorCode(err) == directory.EINVALID {
			d.NoIdM = true
			return d, nil
		}
		return nil, err
	}
	d.Settings, d.IsQuip = set, set.Kind == catalog.IdMQuip
	d.Form = idmForm{BaseURL: set.BaseURL, Groups: set.GroupsEnabled}
	if set.Active || set.HasToken {
		if d.Status, err = provision.QueueStatus(ctx, h.IdM.Store, appID, h.idmNow()); err != nil {
			return nil, err
		}
	}
	if h.Insights != nil {
		f := insFilter{Service: string(insights.ServiceSCIM), Q: appID}
		d.InsightsURL = f.url("/admin/insights", "")
		// The newest SCIM event of the app in the last 30 days (bounded:
		// the search term is matched by scanning).
		page, err := h.Insights.Query(ctx, insights.Query{Service: insights.ServiceSCIM, SearchTerm: appID, Limit: 1,
			Start: h.idmNow().Add(-idmLastSyncWindow)})
		if err == nil && len(page.Events) == 1 {
			d.LastSync = &page.Events[0]
		}
	}
	return d, nil
}

// idmPicker fills the Sync now picker from the ?user_q= search.
func (h *Handler) idmPicker(ctx context.Context, d *idmData, q string) error {
	q = strings.TrimSpace(q)
	if len(q) > 256 {
		return directory.Invalid(directory.FieldError{Field: "user_q", Reason: "must be at most 256 bytes"})
	}
	d.UserQ = q
	if q == "" {
		return nil
	}
	return h.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		d.Users, d.UsersTotal, err = tx.ListUsers(ctx, directory.UserFilter{Search: q, Limit: idmPickerSize})
		return err
	})
}

func (h *Handler) idmTab(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	d, err := h.idmLoad(ctx, s, r.PathValue("id"))
	if err != nil {
		return err
	}
	if d.Settings != nil && d.Settings.Active {
		if err := h.idmPicker(ctx, d, r.URL.Query().Get("user_q")); err != nil {
			return err
		}
	}
	h.idmRender(w, r, s, http.StatusOK, d, nil)
	return nil
}

// idmRender shows the tab; err, when set, is shown at the top and next
// to the fields it concerns.
func (h *Handler) idmRender(w http.ResponseWriter, r *http.Request, s *adminauth.Session, status int, d *idmData, err error) {
	v := &view{Title: d.Panel.App.Label + " · Identity Management", Section: "apps", Session: s, Data: d}
	if err != nil {
		idmSetError(v, err)
	}
	h.render(w, r, status, "idm", v)
}

// idmSetError is v.setError, with a conflict's message shown next to its
// field (directory.Conflict's field reason is only "already taken").
func idmSetError(v *view, err error) {
	v.setError(err)
	if directory.ErrorCode(err) == directory.ECONFLICT {
		for f := range v.FieldErrors {
			v.FieldErrors[f] = directory.ErrorMessage(err)
		}
	}
}

// initiatorOf names the admin as the initiator of provisioning events.
func initiatorOf(s *adminauth.Session) string { return "admin:" + s.AdminID }

// idmCheckURL accepts what the manager accepts: an absolute http(s) URL
// without credentials.
func idmCheckURL(s string) error {
	u, err := url.Parse(s)
	if s == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(s) > 2048 {
		return directory.Invalid(directory.FieldError{Field: "baseUrl", Reason: "must be an absolute http(s) URL without credentials, e.g. https://acme.quip.com/business/admin/scim"})
	}
	return nil
}

// idmTestError is the refusal of a connection test, shown next to the
// field it concerns: the token for 401 and 403, the base URL otherwise.
func idmTestError(err error) error {
	field := "baseUrl"
	if ce := connector.AsError(err); ce != nil && (ce.HTTPStatus == http.StatusUnauthorized || ce.HTTPStatus == http.StatusForbidden) {
		field = "token"
	}
	msg := "The application refused the connection test: " + idmAppDetail(err)
	return &directory.Error{Code: directory.ECONFLICT, Message: msg, Fields: []directory.FieldError{{Field: field, Reason: msg}}}
}

// idmAppDetail is the application's own account of err: "HTTP 401: ...".
func idmAppDetail(err error) string {
	detail := err.Error()
	if ce := connector.AsError(err); ce != nil {
		if ce.Detail != "" {
			detail = ce.Detail
		}
		if ce.HTTPStatus != 0 {
			detail = fmt.Sprintf("HTTP %d: %s", ce.HTTPStatus, detail)
		}
	}
	return detail
}

// idmTest tests a base URL and token before anything is saved, and records
// a refused test as a failed activation attempt.
func (h *Handler) idmTest(ctx context.Context, s *adminauth.Session, appID, kind, baseURL, token string, groups bool) error {
	if h.IdM.Registry == nil {
		return fmt.Errorf("portal: no connector registry")
	}
	c, err := h.IdM.Registry.Open(ctx, connector.Config{Kind: kind, BaseURL: baseURL, Token: token, GroupsEnabled: groups,
		HTTPClient: h.IdM.HTTPClient, Now: h.IdM.Now})
	if err == nil {
		tctx, cancel := context.WithTimeout(ctx, connector.DefaultRequestTimeout)
		err = c.TestConnection(tctx)
		cancel()
	}
	if err == nil {
		return nil
	}
	if h.IdM.Events != nil {
		ev := provision.Event{Name: provision.EvIntegrationActivate, At: h.idmNow().UTC(), AppID: appID, Initiator: initiatorOf(s), Detail: err.Error()}
		if ce := connector.AsError(err); ce != nil {
			ev.Status, ev.ScimType = ce.HTTPStatus, ce.SCIMType
			if ce.Detail != "" {
				ev.Detail = ce.Detail
			}
		}
		_ = h.IdM.Events.Record(ctx, ev)
	}
	return idmTestError(err)
}

// idmActivate saves the Configure form and activates. A new token is
// tested before anything is saved; with the stored token kept, a refused
// activation puts the base URL and groups switch back as they were.
func (h *Handler) idmActivate(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	appID := r.PathValue("id")
	d, err := h.idmLoad(ctx, s, appID)
	if err != nil {
		return err
	}
	if d.NoIdM {
		return directory.Invalid(directory.FieldError{Field: "app", Reason: "this application has no identity management"})
	}
	cur := *d.Settings
	if cur.Active {
		h.idmRender(w, r, s, http.StatusConflict, d, directory.Errorf(directory.ECONFLICT, "Identity management is active already."))
		return nil
	}
	f := r.PostForm
	baseURL, token := strings.TrimSpace(f.Get("baseUrl")), strings.TrimSpace(f.Get("token"))
	groups := f.Get("groups") != ""
	d.Form = idmForm{BaseURL: baseURL, Groups: groups}
	var fields []directory.FieldError
	if err := idmCheckURL(baseURL); err != nil {
		fields = append(fields, directory.ErrorFields(err)...)
	}
	if token == "" && !cur.HasToken {
		fields = append(fields, directory.FieldError{Field: "token", Reason: "enter the application's API token"})
	} else if len(token) > 4096 || strings.ContainsAny(token, " \t\r\n") {
		fields = append(fields, directory.FieldError{Field: "token", Reason: "must be a token without spaces, at most 4096 characters"})
	}
	if len(fields) > 0 {
		h.idmRender(w, r, s, http.StatusBadRequest, d, directory.Invalid(fields...))
		return nil
	}
	if token != "" {
		if err := h.idmTest(ctx, s, appID, cur.Kind, baseURL, token, groups); err != nil {
			h.idmRender(w, r, s, formStatus(err), d, err)
			return nil
		}
	}
	upd := provision.SettingsUpdate{GroupsEnabled: &groups}
	if baseURL != cur.BaseURL {
		upd.BaseURL = &baseURL
	}
	if token != "" {
		upd.Token = &token
	}
	if _, err := h.IdM.Configure(ctx, initiatorOf(s), appID, upd); err != nil {
		h.idmRender(w, r, s, formStatus(err), d, err)
		return nil
	}
	if _, err := h.IdM.Activate(ctx, initiatorOf(s), appID); err != nil {
		if token == "" {
			back := provision.SettingsUpdate{GroupsEnabled: &cur.GroupsEnabled}
			if cur.BaseURL != "" && cur.BaseURL != baseURL {
				back.BaseURL = &cur.BaseURL
			}
			if _, rerr := h.IdM.Configure(context.WithoutCancel(ctx), initiatorOf(s), appID, back); rerr != nil {
				h.log().ErrorContext(ctx, "portal: restoring identity-management settings after a refused activation", "app", appID, "err", rerr)
			}
		}
		if directory.ErrorCode(err) == directory.ECONFLICT && len(directory.ErrorFields(err)) == 1 && directory.ErrorFields(err)[0].Field == "connection" {
			msg := directory.ErrorMessage(err)
			field := "baseUrl"
			if strings.Contains(msg, "HTTP 401") || strings.Contains(msg, "HTTP 403") {
				field = "token"
			}
			err = &directory.Error{Code: directory.ECONFLICT, Message: msg, Fields: []directory.FieldError{{Field: field, Reason: msg}}}
		}
		h.idmRender(w, r, s, formStatus(err), d, err)
		return nil
	}
	seeOther(w, r, "/admin/apps/"+appID+"/idm", "Identity management is active: users and groups bound to "+d.Panel.App.Label+" are being provisioned.")
	return nil
}

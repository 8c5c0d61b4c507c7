package portal

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
)

// idmLoadActive is idmLoad for the actions of an active integration: a
// conflict when it is not active.
func (h *Handler) idmLoadActive(r *http.Request, s *adminauth.Session) (*idmData, error) {
	d, err := h.idmLoad(r.Context(), s, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if d.NoIdM {
		return nil, directory.Invalid(directory.FieldError{Field: "app", Reason: "this application has no identity management"})
	}
	if !d.Settings.Active {
		return nil, directory.Errorf(directory.ECONFLICT, "Identity management of %s is not active: configure and activate it first.", d.Panel.App.Label)
	}
	return d, nil
}

// idmSettings changes the groups switch of an active integration.
func (h *Handler) idmSettings(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	d, err := h.idmLoadActive(r, s)
	if err != nil {
		return err
	}
	groups := r.PostForm.Get("groups") != ""
	upd := provision.SettingsUpdate{GroupsEnabled: &groups}
	if b := strings.TrimSpace(r.PostForm.Get("baseUrl")); b != "" && b != d.Settings.BaseURL {
		upd.BaseURL = &b
	}
	if _, err := h.IdM.Configure(r.Context(), initiatorOf(s), d.Panel.App.ID, upd); err != nil {
		d.Form.Groups = groups
		h.idmRender(w, r, s, formStatus(err), d, err)
		return nil
	}
	notice := "Settings saved: groups and group membership are no longer managed in " + d.Panel.App.Label + "; they are left as they are there."
	if groups {
		notice = "Settings saved: user groups bound to " + d.Panel.App.Label + " and their membership are managed there."
	}
	seeOther(w, r, "/admin/apps/"+d.Panel.App.ID+"/idm", notice)
	return nil
}

// idmToken replaces the token (the manager refuses it for an active Quip
// integration: deactivate, change the token, activate).
func (h *Handler) idmToken(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	d, err := h.idmLoad(r.Context(), s, r.PathValue("id"))
	if err != nil {
		return err
	}
	if d.NoIdM {
		return directory.Invalid(directory.FieldError{Field: "app", Reason: "this application has no identity management"})
	}
	tok := strings.TrimSpace(r.PostForm.Get("token"))
	if _, err := h.IdM.Reauth(r.Context(), initiatorOf(s), d.Panel.App.ID, tok); err != nil {
		h.idmRender(w, r, s, formStatus(err), d, err)
		return nil
	}
	seeOther(w, r, "/admin/apps/"+d.Panel.App.ID+"/idm", "The token was replaced.")
	return nil
}

// idmSync syncs one user now (also the retry of a failing user) and shows
// the outcome on the tab.
func (h *Handler) idmSync(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	if h.IdMEngine == nil {
		return unavailable("The provisioning engine")
	}
	ctx := r.Context()
	d, err := h.idmLoadActive(r, s)
	if err != nil {
		return err
	}
	uid := r.PostForm.Get("userId")
	if uid == "" || len(uid) > 128 {
		return directory.Invalid(directory.FieldError{Field: "userId", Reason: "choose a user"})
	}
	var u *directory.User
	if err := h.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		u, err = tx.GetUser(ctx, uid)
		return err
	}); err != nil {
		return err
	}
	name := u.Email
	if name == "" {
		name = u.Username
	}
	if err := h.idmPicker(ctx, d, r.PostForm.Get("user_q")); err != nil {
		return err
	}
	out, err := h.IdMEngine.SyncNow(ctx, d.Panel.App.ID, provision.KindUser, uid)
	if err != nil {
		if code := directory.ErrorCode(err); code != directory.EINTERNAL {
			h.idmRender(w, r, s, formStatus(err), d, err)
			return nil
		}
		return err
	}
	if out.Success {
		back := "/admin/apps/" + d.Panel.App.ID + "/idm"
		if d.UserQ != "" {
			back += "?" + url.Values{"user_q": {d.UserQ}}.Encode()
		}
		seeOther(w, r, back, "Synced "+name+" with "+d.Panel.App.Label+".")
		return nil
	}
	// The application refused: show its answer; the engine retries later.
	if d.Status, err = provision.QueueStatus(ctx, h.IdM.Store, d.Panel.App.ID, h.idmNow()); err != nil {
		return err
	}
	d.SyncResult = &idmSyncResult{User: name, Error: out.Error}
	h.idmRender(w, r, s, http.StatusOK, d, nil)
	return nil
}

type idmPlanData struct {
	Panel  appPanel
	Plan   *provision.Plan
	Counts map[string]int // per action
}

// idmPlan is the dry run: what a full sync would change (reads only).
func (h *Handler) idmPlan(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	if h.IdMEngine == nil {
		return unavailable("The provisioning engine")
	}
	d, err := h.idmLoadActive(r, s)
	if err != nil {
		return err
	}
	p, err := h.IdMEngine.Plan(r.Context(), d.Panel.App.ID)
	if err != nil {
		if ce := connector.AsError(err); ce != nil {
			return &directory.Error{Code: directory.EUNAVAILABLE, Message: "The application could not be read: " + idmAppDetail(err), Err: err}
		}
		return err
	}
	pd := &idmPlanData{Panel: d.Panel, Plan: p, Counts: map[string]int{}}
	for _, it := range p.Items {
		pd.Counts[it.Action]++
	}
	h.render(w, r, http.StatusOK, "idm_plan", &view{Title: d.Panel.App.Label + " · Sync plan", Section: "apps", Session: s, Data: pd})
	return nil
}

func (h *Handler) idmDeactivateForm(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	d, err := h.idmLoadActive(r, s)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "idm_deactivate", &view{Title: "Deactivate IdM connection", Section: "apps", Session: s, Data: d})
	return nil
}

// idmDeactivate stops syncing at once; users and groups stay as they are
// in the application.
func (h *Handler) idmDeactivate(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	d, err := h.idmLoadActive(r, s)
	if err != nil {
		return err
	}
	if r.PostForm.Get("confirm") != "yes" {
		v := &view{Title: "Deactivate IdM connection", Section: "apps", Session: s, Data: d,
			FieldErrors: map[string]string{"confirm": "click confirm to deactivate"}}
		v.Error = "Nothing was changed: the deactivation was not confirmed."
		h.render(w, r, http.StatusBadRequest, "idm_deactivate", v)
		return nil
	}
	if _, err := h.IdM.Deactivate(r.Context(), initiatorOf(s), d.Panel.App.ID); err != nil {
		return err
	}
	seeOther(w, r, "/admin/apps/"+d.Panel.App.ID+"/idm", "The IdM connection of "+d.Panel.App.Label+" is deactivated: syncing stopped, and users and groups are left as they are in the application.")
	return nil
}

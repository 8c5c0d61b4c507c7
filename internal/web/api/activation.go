package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/web"
)

// ActivationLinkBody is the answer of POST /api/v1/users/{id}/activation-link.
// The URL (and the token in it) is shown once: only its hash is stored.
type ActivationLinkBody struct {
	UserID  string    `json:"userId"`
	URL     string    `json:"url"`
	Token   string    `json:"token"`
	Expires time.Time `json:"expires"`
}

// createActivationLink makes a one-time link with which the user sets a
// password in the console (/activate?token=...).
func (h *Handler) createActivationLink(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if h.Users == nil {
		return directory.Errorf(directory.EUNAVAILABLE, "user sign-in is not configured on this server")
	}
	id := r.PathValue("id")
	link, err := h.Users.CreateActivationLink(r.Context(), id)
	if err != nil {
		return err
	}
	base := ""
	if h.Service != nil {
		base = strings.TrimRight(h.Service.BaseURL, "/")
	}
	web.Logger(r.Context()).Info("activation link created", "admin_id", p.Admin.ID, "user_id", id, "expires", link.ExpiresAt)
	w.Header().Set("Cache-Control", "no-store")
	web.WriteJSON(w, http.StatusCreated, ActivationLinkBody{UserID: id, URL: base + "/activate?token=" + url.QueryEscape(link.Token),
		Token: link.Token, Expires: link.ExpiresAt})
	return nil
}

// UnlockBody is the answer of POST /api/v1/users/{id}/unlock.
type UnlockBody struct {
	UserID          string `json:"userId"`
	FailuresCleared int    `json:"failuresCleared"`
}

// unlockUser forgets the failed sign-ins that throttle the user's account.
func (h *Handler) unlockUser(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if h.Users == nil {
		return directory.Errorf(directory.EUNAVAILABLE, "user sign-in is not configured on this server")
	}
	id := r.PathValue("id")
	n, err := h.Users.Unlock(r.Context(), id)
	if err != nil {
		return err
	}
	if h.Insights != nil {
		e := insights.Event{EventType: insights.UserUnlock, Service: insights.ServiceDirectory, ClientIP: clientIP(r), Success: true,
			InitiatedBy: insights.Initiator{Type: "admin", ID: p.Admin.ID, Email: p.Admin.Email},
			Resource:    &insights.Resource{ID: id, Type: "user"}, Details: map[string]string{"failures_cleared": strconv.Itoa(n)}}
		if err := h.Insights.Record(r.Context(), e); err != nil {
			web.Logger(r.Context()).Error("insights: recording user_unlock failed", "err", err)
		}
	}
	web.WriteJSON(w, http.StatusOK, UnlockBody{UserID: id, FailuresCleared: n})
	return nil
}

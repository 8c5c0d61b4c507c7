package api

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
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

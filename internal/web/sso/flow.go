package sso

import (
	"context"
	"errors"
	"net/http"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

// loadApp finds the app of the path and checks that it can sign users in;
// otherwise it answers with a page, records the refusal and returns nil.
func (h *Handler) loadApp(w http.ResponseWriter, r *http.Request, slug, initiated string) *App {
	ctx := r.Context()
	if !directory.ValidSlug(slug) {
		writePage(w, r, http.StatusNotFound, "Unknown application", "There is no application at this address.")
		return nil
	}
	app, err := h.Apps.SSOApp(ctx, slug)
	if directory.ErrorCode(err) == directory.ENOTFOUND {
		h.record(ctx, r, SSOEvent{AppSlug: slug, Initiated: initiated, Decision: DecisionRefused, Reason: "unknown application"})
		writePage(w, r, http.StatusNotFound, "Unknown application", "There is no application at this address.")
		return nil
	}
	if err != nil {
		h.internal(w, r, err)
		return nil
	}
	ev := SSOEvent{AppID: app.App.ID, AppSlug: slug, AppLabel: app.App.Label, SPEntityID: app.Config.SPEntityID, Initiated: initiated, Decision: DecisionRefused}
	if !app.App.SSOActive {
		ev.Reason = "SSO is deactivated for the application"
		h.record(ctx, r, ev)
		writePage(w, r, http.StatusForbidden, "Single sign-on is off", "Single sign-on to "+app.App.Label+" is turned off. Ask your administrator.")
		return nil
	}
	if !app.SSO.Configured() || app.Config.Key == nil {
		ev.Reason = "SSO is not configured for the application"
		h.record(ctx, r, ev)
		writePage(w, r, http.StatusConflict, "Single sign-on is not set up", "Single sign-on to "+app.App.Label+" is not set up yet. Ask your administrator.")
		return nil
	}
	return app
}

// requestErrors maps the samlidp input errors to what the user is told.
var requestErrors = []struct {
	err     error
	reason  string
	message string
}{
	{samlidp.ErrUnknownServiceProvider, "unknown service provider", "The application that sent you here is not the one configured at this address (its entity ID does not match)."},
	{samlidp.ErrACSNotAllowed, "ACS URL not allowed", "The application asked for the sign-in to be sent to an address that is not configured for it."},
	{samlidp.ErrSignature, "AuthnRequest signature missing or invalid", "The sign-in request's signature is missing or not valid."},
	{samlidp.ErrRequestExpired, "AuthnRequest expired", "The sign-in request has expired. Start again from the application."},
	{samlidp.ErrDestination, "AuthnRequest destination mismatch", "The sign-in request was meant for another address."},
	{samlidp.ErrReplayed, "AuthnRequest replayed", "This sign-in request was already used. Start again from the application."},
	{samlidp.ErrMalformedRequest, "malformed AuthnRequest", "The sign-in request could not be read."},
}

func (h *Handler) refuseRequest(w http.ResponseWriter, r *http.Request, app *App, err error) {
	for _, re := range requestErrors {
		if errors.Is(err, re.err) {
			h.log().InfoContext(r.Context(), "authn request refused", "app", app.App.Slug, "err", err)
			h.record(r.Context(), r, SSOEvent{AppID: app.App.ID, AppSlug: app.App.Slug, AppLabel: app.App.Label,
				SPEntityID: app.Config.SPEntityID, Initiated: "sp", Decision: DecisionRefused, Reason: re.reason})
			writePage(w, r, http.StatusBadRequest, "Sign-in request refused", re.message)
			return
		}
	}
	h.internal(w, r, err)
}

// internal answers a failure of Jumpgate itself: 503 when a dependency
// (the database) cannot be reached now, else 500.
func (h *Handler) internal(w http.ResponseWriter, r *http.Request, err error) {
	h.log().ErrorContext(r.Context(), "sso failed", "request_id", requestID(r), "err", err)
	if directory.ErrorCode(err) == directory.EUNAVAILABLE {
		w.Header().Set("Retry-After", "5")
		writePage(w, r, http.StatusServiceUnavailable, "Temporarily unavailable", "The sign-in cannot be completed right now. Try again in a moment; if it keeps failing, give the request ID below to your administrator.")
		return
	}
	writePage(w, r, http.StatusInternalServerError, "Something went wrong", "The sign-in could not be completed. Try again later; if it keeps failing, give the request ID below to your administrator.")
}

// handleSSO answers an SP-initiated AuthnRequest (either binding).
func (h *Handler) handleSSO(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	slug := r.PathValue("slug")
	app := h.loadApp(w, r, slug, "sp")
	if app == nil {
		return
	}
	req, err := samlidp.ParseAuthnRequest(r, func(_ context.Context, sp string) (*samlidp.AppConfig, error) {
		if sp == "" || sp != app.Config.SPEntityID {
			return nil, samlidp.ErrUnknownServiceProvider
		}
		cfg := app.Config
		return &cfg, nil
	}, h.now())
	if err != nil {
		h.refuseRequest(w, r, app, err)
		return
	}
	if err := samlidp.CheckReplay(ctx, ReplayStore{Store: h.Store, Now: h.Now}, req); err != nil {
		h.refuseRequest(w, r, app, err)
		return
	}
	sess, err := h.Users.Authenticate(ctx, h.Cookies.Token(r))
	if err != nil && !errors.Is(err, userauth.ErrNoSession) {
		h.internal(w, r, err)
		return
	}
	if sess != nil && !req.ForceAuthn {
		h.finish(w, r, app, sess, req, "sp")
		return
	}
	if req.IsPassive {
		h.noPassive(w, r, app, req)
		return
	}
	id, err := h.savePending(ctx, slug, req)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if req.ForceAuthn {
		http.Redirect(w, r, h.loginPath()+"?pending="+id, http.StatusSeeOther)
		return
	}
	// A cross-site POST (HTTP-POST binding) carries no SameSite=Lax cookie,
	// so "no session" may be wrong: look again after a top-level GET, which
	// does carry it, and only then ask the user to sign in.
	http.Redirect(w, r, ContinuePath(id), http.StatusSeeOther)
}

// noPassive answers IsPassive without a session with a NoPassive status.
func (h *Handler) noPassive(w http.ResponseWriter, r *http.Request, app *App, req *samlidp.AuthnRequest) {
	resp, err := h.IdP.MakeErrorResponse(r.Context(), app.Config, req, samlidp.StatusResponder, samlidp.StatusNoPassive, "no session", h.now())
	if err != nil {
		h.internal(w, r, err)
		return
	}
	h.record(r.Context(), r, SSOEvent{AppID: app.App.ID, AppSlug: app.App.Slug, AppLabel: app.App.Label,
		SPEntityID: app.Config.SPEntityID, Initiated: "sp", Decision: DecisionRefused, Reason: "passive request without a session"})
	h.post(w, r, resp)
}

// handleContinue finishes a pending request after the user signed in.
func (h *Handler) handleContinue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.URL.Query().Get("pending")
	if !ValidPendingID(id) {
		writePage(w, r, http.StatusBadRequest, "Sign-in request not found", "This sign-in request has expired or was already used. Start again from the application.")
		return
	}
	sess, err := h.Users.Authenticate(ctx, h.Cookies.Token(r))
	if errors.Is(err, userauth.ErrNoSession) {
		http.Redirect(w, r, h.loginPath()+"?pending="+id, http.StatusSeeOther)
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	p, err := h.takePending(ctx, id)
	if errors.Is(err, errNoPending) {
		writePage(w, r, http.StatusBadRequest, "Sign-in request not found", "This sign-in request has expired or was already used. Start again from the application.")
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	app := h.loadApp(w, r, p.Slug, "sp")
	if app == nil {
		return
	}
	req := p.Request
	cfg := app.Config
	req.App = &cfg
	if req.SPEntityID != cfg.SPEntityID || !allowsACS(&cfg, req.ACSURL) {
		h.refuseRequest(w, r, app, samlidp.ErrACSNotAllowed)
		return
	}
	if req.ForceAuthn && sess.CreatedAt.Before(p.CreatedAt) {
		h.record(ctx, r, SSOEvent{AppID: app.App.ID, AppSlug: app.App.Slug, AppLabel: app.App.Label, UserID: sess.UserID,
			SPEntityID: cfg.SPEntityID, Initiated: "sp", Decision: DecisionRefused, Reason: "ForceAuthn without a new sign-in"})
		writePage(w, r, http.StatusForbidden, "Sign in again", "The application asks you to sign in again. Start again from the application.")
		return
	}
	h.finish(w, r, app, sess, &req, "sp")
}

func allowsACS(cfg *samlidp.AppConfig, u string) bool {
	for _, a := range cfg.ACSURLs {
		if a == u {
			return true
		}
	}
	return false
}

// handleLaunch is IdP-initiated sign-in from a console tile.
func (h *Handler) handleLaunch(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil {
		writePage(w, r, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return
	}
	sess, err := h.Users.Authenticate(ctx, h.Cookies.Token(r))
	if errors.Is(err, userauth.ErrNoSession) {
		http.Redirect(w, r, h.loginPath(), http.StatusSeeOther)
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if !userauth.SameOrigin(r, h.BaseURL) || !userauth.CheckCSRF(sess, r.PostForm.Get(userauth.CSRFField)) {
		h.log().WarnContext(ctx, "launch refused", "reason", "csrf", "user", sess.UserID)
		writePage(w, r, http.StatusForbidden, "Request refused", "This form has expired or did not come from this site. Go back to your applications and try again.")
		return
	}
	app := h.loadApp(w, r, r.PathValue("slug"), "idp")
	if app == nil {
		return
	}
	h.finish(w, r, app, sess, nil, "idp")
}

// finish decides whether the user may use the app and, if so, posts a
// signed Response to the ACS. req is nil for IdP-initiated sign-in.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, app *App, sess *userauth.Session, req *samlidp.AuthnRequest, initiated string) {
	ctx := r.Context()
	u := sess.User
	ev := SSOEvent{AppID: app.App.ID, AppSlug: app.App.Slug, AppLabel: app.App.Label, UserID: u.ID, UserEmail: u.Email,
		SPEntityID: app.Config.SPEntityID, Initiated: initiated, Decision: DecisionRefused}
	may, err := h.Apps.UserMayUseApp(ctx, u.ID, app.App.ID)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if !may || !u.Active() {
		ev.Reason = "user is not an activated member of a group bound to the application"
		h.record(ctx, r, ev)
		writePage(w, r, http.StatusForbidden, "No access", "You don't have access to "+app.App.Label+". Ask your administrator.")
		return
	}
	var groups []string
	if app.SSO.GroupsAttribute != "" {
		if groups, err = h.groupNames(ctx, u.ID); err != nil {
			h.internal(w, r, err)
			return
		}
	}
	subject := Subject(app, u, groups, h.PersistentSecret)
	subject.AuthnInstant = sess.CreatedAt
	if subject.NameID == "" && app.SSO.NameIDFormat != directory.NameIDTransient {
		ev.Reason = "the user has no value for the NameID attribute " + app.SSO.NameIDAttribute
		h.record(ctx, r, ev)
		writePage(w, r, http.StatusConflict, "Cannot sign in", "Your account has no "+app.SSO.NameIDAttribute+", which "+app.App.Label+" needs. Ask your administrator.")
		return
	}
	resp, err := h.IdP.MakeResponse(ctx, app.Config, req, subject, h.now())
	if err != nil {
		h.internal(w, r, err)
		return
	}
	ev.Decision = DecisionIssued
	h.record(ctx, r, ev)
	h.post(w, r, resp)
}

// post writes the auto-submitting form with a CSP nonce.
func (h *Handler) post(w http.ResponseWriter, r *http.Request, resp *samlidp.Response) {
	nonce, err := newID(h.Rand)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	nonce = nonce[:22]
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", postCSP(nonce, resp.ACSURL))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(resp.PostFormNonce(nonce))
}

// handleMetadata serves the app's IdP metadata.
func (h *Handler) handleMetadata(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	if !directory.ValidSlug(slug) {
		writePage(w, r, http.StatusNotFound, "Unknown application", "There is no application at this address.")
		return
	}
	md, err := h.Apps.Metadata(r.Context(), slug)
	switch directory.ErrorCode(err) {
	case "":
	case directory.ENOTFOUND, directory.EPRECONDITION:
		writePage(w, r, http.StatusNotFound, "No metadata", "There is no application with metadata at this address.")
		return
	default:
		h.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Header().Set("Content-Disposition", `attachment; filename="`+slug+`-idp-metadata.xml"`)
	_, _ = w.Write(md)
}

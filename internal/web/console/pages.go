package console

import (
	"bytes"
	"encoding/base64"
	"errors"
	"html/template"
	"image/png"
	"net/http"

	"github.com/pquerna/otp"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

func (h *Handler) handleApps(w http.ResponseWriter, r *http.Request) {
	sess := h.session(w, r, "/console")
	if sess == nil {
		return
	}
	apps, err := h.Apps.PortalApps(r.Context(), sess.UserID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "apps", view{Title: "Your applications", Session: sess, Apps: apps})
}

func (h *Handler) handleImage(w http.ResponseWriter, r *http.Request) {
	sess := h.session(w, r, "/console")
	if sess == nil {
		return
	}
	id := r.PathValue("id")
	may, err := h.Apps.UserMayUseApp(r.Context(), sess.UserID, id)
	if err != nil && directory.ErrorCode(err) != directory.ENOTFOUND {
		h.fail(w, r, err)
		return
	}
	var img *directory.AppImage
	if may {
		img, err = h.Apps.AppImage(r.Context(), id)
	}
	if !may || directory.ErrorCode(err) == directory.ENOTFOUND {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", img.ContentType)
	w.Header().Set("Cache-Control", "private, max-age=300")
	_, _ = w.Write(img.Data)
}

func (h *Handler) accountView(w http.ResponseWriter, r *http.Request, sess *userauth.Session) (view, bool) {
	on, left, err := h.Users.TOTPEnabled(r.Context(), sess.UserID)
	if err != nil {
		h.fail(w, r, err)
		return view{}, false
	}
	sessions, err := h.Users.ListSessions(r.Context(), sess.UserID)
	if err != nil {
		h.fail(w, r, err)
		return view{}, false
	}
	return view{Title: "Account", Session: sess, TOTPOn: on, RecoveryLeft: left, Sessions: sessions}, true
}

// handleRevokeSessions signs the user out of every session, this one too.
func (h *Handler) handleRevokeSessions(w http.ResponseWriter, r *http.Request) {
	sess := h.postSession(w, r)
	if sess == nil {
		return
	}
	n, err := h.Users.RevokeUserSessions(r.Context(), sess.UserID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log().InfoContext(r.Context(), "user ended all sessions", "user", sess.UserID, "sessions", n)
	h.Cookies.Clear(w)
	h.render(w, r, http.StatusOK, "login", view{Title: "Sign in", Narrow: true, Notice: "You are signed out of every session."})
}

func (h *Handler) handleAccount(w http.ResponseWriter, r *http.Request) {
	sess := h.session(w, r, "/console/account")
	if sess == nil {
		return
	}
	if v, ok := h.accountView(w, r, sess); ok {
		h.render(w, r, http.StatusOK, "account", v)
	}
}

// QRDataURL draws the otpauth URL as a PNG data: URL.
func QRDataURL(otpauth string) template.URL {
	key, err := otp.NewKeyFromURL(otpauth)
	if err != nil {
		return ""
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return ""
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return ""
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
}

func (h *Handler) handleTOTPBegin(w http.ResponseWriter, r *http.Request) {
	sess := h.postSession(w, r)
	if sess == nil {
		return
	}
	v, ok := h.accountView(w, r, sess)
	if !ok {
		return
	}
	enr, err := h.Users.BeginTOTP(r.Context(), sess.UserID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Enrolment, v.QR = enr, QRDataURL(enr.URL)
	h.render(w, r, http.StatusOK, "account", v)
}

func (h *Handler) handleTOTPConfirm(w http.ResponseWriter, r *http.Request) {
	sess := h.postSession(w, r)
	if sess == nil {
		return
	}
	v, ok := h.accountView(w, r, sess)
	if !ok {
		return
	}
	codes, err := h.Users.ConfirmTOTP(r.Context(), sess.UserID, r.PostForm.Get("code"))
	switch {
	case errors.Is(err, userauth.ErrBadCode), directory.ErrorCode(err) == directory.EPRECONDITION:
		v.Error = directory.ErrorMessage(err) + " Start the set-up again."
		h.render(w, r, http.StatusBadRequest, "account", v)
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	v.Codes, v.TOTPOn = codes, true
	h.render(w, r, http.StatusOK, "account", v)
}

func (h *Handler) handleActivateForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	u, err := h.Users.CheckActivation(r.Context(), token)
	if err != nil {
		h.activationFailed(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "activate", view{Title: "Set your password", Narrow: true, Login: u.Email, Token: token})
}

func (h *Handler) activationFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, userauth.ErrBadActivation) {
		h.render(w, r, http.StatusNotFound, "activate", view{Title: "Set your password", Narrow: true, Error: directory.ErrorMessage(err)})
		return
	}
	h.fail(w, r, err)
}

func (h *Handler) handleActivate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8192)
	if err := r.ParseForm(); err != nil {
		h.render(w, r, http.StatusBadRequest, "message", view{Title: "Bad request", Error: "The form could not be read.", Narrow: true})
		return
	}
	f := r.PostForm
	token := f.Get("token")
	if !userauth.SameOrigin(r, h.BaseURL) {
		h.render(w, r, http.StatusForbidden, "message", view{Title: "Request refused", Error: "This form did not come from this site.", Narrow: true})
		return
	}
	u, err := h.Users.CheckActivation(r.Context(), token)
	if err != nil {
		h.activationFailed(w, r, err)
		return
	}
	v := view{Title: "Set your password", Narrow: true, Login: u.Email, Token: token}
	if f.Get("password") != f.Get("confirm") {
		v.Error = "The two passwords are not the same."
		h.render(w, r, http.StatusBadRequest, "activate", v)
		return
	}
	if _, err := h.Users.Activate(r.Context(), token, f.Get("password")); err != nil {
		if directory.ErrorCode(err) == directory.EINVALID {
			v.Error = "The password " + fieldReason(err)
			h.render(w, r, http.StatusBadRequest, "activate", v)
			return
		}
		h.activationFailed(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "login", view{Title: "Sign in", Narrow: true, Login: u.Email, Notice: "Your password is set. You can sign in now."})
}

func fieldReason(err error) string {
	if fs := directory.ErrorFields(err); len(fs) > 0 {
		return fs[0].Reason + "."
	}
	return "is not allowed."
}

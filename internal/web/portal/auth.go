package portal

import (
	"errors"
	"net/http"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
	"github.com/jumpgate-idp/jumpgate/internal/web/console"
	"github.com/jumpgate-idp/jumpgate/internal/web/sso"
)

// mountAuth registers sign-in, sign-out and the admin's own account page:
//
//	GET  /admin/login, POST          password step (?next=/admin/...)
//	POST /admin/login/totp           second step
//	POST /admin/logout
//	GET  /admin/account              TOTP status; POST /admin/account/totp,
//	                                 /admin/account/totp/confirm, /admin/account/totp/disable
func (h *Handler) mountAuth(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin/login", h.loginForm)
	mux.HandleFunc("POST /admin/login", h.login)
	mux.HandleFunc("POST /admin/login/totp", h.loginTOTP)
	h.ownPage(mux, "POST /admin/logout", h.logout)
	h.page(mux, "GET /admin/account", h.account)
	h.ownPage(mux, "POST /admin/account/totp", h.totpBegin)
	h.ownPage(mux, "POST /admin/account/totp/confirm", h.totpConfirm)
	h.ownPage(mux, "POST /admin/account/totp/disable", h.totpDisable)
}

type loginData struct{ Email, Next string }

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if _, err := h.Admins.Authenticate(r.Context(), h.Cookies.Token(r)); err == nil {
		http.Redirect(w, r, orUsers(next), http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, "login", &view{Title: "Admin sign in", Data: loginData{Next: next}})
}

func orUsers(next string) string {
	if next == "" {
		return "/admin/users"
	}
	return next
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	f := r.PostForm
	d := loginData{Email: f.Get("email"), Next: safeNext(f.Get("next"))}
	if len(d.Email) > directory.MaxEmailLen {
		d.Email = ""
	}
	v := &view{Title: "Admin sign in", Data: d}
	if !userauth.SameOrigin(r, h.BaseURL) {
		v.Error = "This form did not come from this site."
		h.render(w, r, http.StatusForbidden, "login", v)
		return
	}
	res, err := h.Admins.Login(r.Context(), adminauth.LoginRequest{Email: f.Get("email"), Password: f.Get("password"), ClientIP: sso.ClientIP(r)})
	if err != nil {
		code := directory.ErrorCode(err)
		if code != directory.EUNAUTHORIZED && code != directory.ERATELIMITED {
			h.fail(w, r, nil, err)
			return
		}
		v.Error = directory.ErrorMessage(err)
		h.render(w, r, formStatus(err), "login", v)
		return
	}
	h.Cookies.Set(w, res.Token)
	if res.NeedsTOTP {
		v.Title, v.Session = "Two-step verification", res.Session
		h.render(w, r, http.StatusOK, "totp", v)
		return
	}
	http.Redirect(w, r, orUsers(d.Next), http.StatusSeeOther)
}

func (h *Handler) loginTOTP(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	f := r.PostForm
	token := h.Cookies.Token(r)
	sess, err := h.Admins.PendingMFA(ctx, token)
	if err != nil {
		http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
		return
	}
	v := &view{Title: "Two-step verification", Session: sess, Data: loginData{Next: safeNext(f.Get("next"))}}
	if !userauth.SameOrigin(r, h.BaseURL) || !adminauth.CheckCSRF(sess, f.Get(userauth.CSRFField)) {
		v.Session, v.Error = nil, "This form has expired or did not come from this site. Sign in again."
		h.render(w, r, http.StatusForbidden, "message", v)
		return
	}
	res, err := h.Admins.CompleteMFA(ctx, token, f.Get("code"), sso.ClientIP(r))
	if err != nil {
		code := directory.ErrorCode(err)
		if code == directory.EUNAUTHORIZED || code == directory.ERATELIMITED {
			v.Error = directory.ErrorMessage(err)
			h.render(w, r, formStatus(err), "totp", v)
			return
		}
		h.fail(w, r, nil, err)
		return
	}
	h.Cookies.Set(w, res.Token)
	http.Redirect(w, r, orUsers(safeNext(f.Get("next"))), http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	if err := h.Admins.Logout(r.Context(), h.Cookies.Token(r)); err != nil {
		return err
	}
	h.Cookies.Clear(w)
	h.render(w, r, http.StatusOK, "login", &view{Title: "Admin sign in", Notice: "You are signed out.", Data: loginData{}})
	return nil
}

type accountData struct {
	TOTPOn       bool
	RecoveryLeft int
	Enrolment    *userauth.TOTPEnrolment
	QR           any
	Codes        []string
}

func (h *Handler) accountView(r *http.Request, s *adminauth.Session) (*view, *accountData, error) {
	on, left, err := h.Admins.TOTPEnabled(r.Context(), s.AdminID)
	if err != nil {
		return nil, nil, err
	}
	d := &accountData{TOTPOn: on, RecoveryLeft: left}
	return &view{Title: "Your account", Section: "account", Session: s, Data: d}, d, nil
}

func (h *Handler) account(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	v, _, err := h.accountView(r, s)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "account", v)
	return nil
}

func (h *Handler) totpBegin(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	v, d, err := h.accountView(r, s)
	if err != nil {
		return err
	}
	enr, err := h.Admins.BeginTOTP(r.Context(), s.AdminID)
	if err != nil {
		return err
	}
	d.Enrolment, d.QR = enr, console.QRDataURL(enr.URL)
	h.render(w, r, http.StatusOK, "account", v)
	return nil
}

func (h *Handler) totpConfirm(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	codes, err := h.Admins.ConfirmTOTP(r.Context(), s.AdminID, r.PostForm.Get("code"))
	v, d, verr := h.accountView(r, s)
	if verr != nil {
		return verr
	}
	if err != nil {
		if directory.ErrorCode(err) == directory.EINTERNAL && !errors.Is(err, userauth.ErrBadCode) {
			return err
		}
		v.Error = "The code is not correct. Check the time on your device and try again, or start over."
		v.FieldErrors = map[string]string{"code": "not correct"}
		h.render(w, r, http.StatusBadRequest, "account", v)
		return nil
	}
	d.Codes = codes
	v.Notice = "Two-step verification is on."
	h.render(w, r, http.StatusOK, "account", v)
	return nil
}

func (h *Handler) totpDisable(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	err := h.Admins.DisableTOTP(r.Context(), s.AdminID, r.PostForm.Get("code"))
	if err != nil {
		if directory.ErrorCode(err) == directory.EINTERNAL {
			return err
		}
		v, _, verr := h.accountView(r, s)
		if verr != nil {
			return verr
		}
		v.setError(err)
		v.FieldErrors = map[string]string{"code": "not correct"}
		h.render(w, r, formStatus(err), "account", v)
		return nil
	}
	seeOther(w, r, "/admin/account", "Two-step verification is off.")
	return nil
}

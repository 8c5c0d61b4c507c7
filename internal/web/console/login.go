package console

import (
	"errors"
	"net/http"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
	"github.com/jumpgate-idp/jumpgate/internal/web/sso"
)

func cleanPending(s string) string {
	if sso.ValidPendingID(s) {
		return s
	}
	return ""
}

func (h *Handler) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pending, next := cleanPending(q.Get("pending")), safeNext(q.Get("next"))
	if pending == "" {
		if _, err := h.Users.Authenticate(r.Context(), h.Cookies.Token(r)); err == nil {
			http.Redirect(w, r, returnTarget("", next), http.StatusSeeOther)
			return
		}
	}
	h.render(w, r, http.StatusOK, "login", view{Title: "Sign in", Narrow: true, Pending: pending, Next: next})
}

func (h *Handler) handleLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 8192)
	if err := r.ParseForm(); err != nil {
		h.render(w, r, http.StatusBadRequest, "login", view{Title: "Sign in", Narrow: true, Error: "The form could not be read."})
		return
	}
	f := r.PostForm
	v := view{Title: "Sign in", Narrow: true, Pending: cleanPending(f.Get("pending")), Next: safeNext(f.Get("next")), Login: f.Get("login")}
	if len(v.Login) > directory.MaxEmailLen {
		v.Login = ""
	}
	if !userauth.SameOrigin(r, h.BaseURL) {
		v.Error = "This form did not come from this site."
		h.render(w, r, http.StatusForbidden, "login", v)
		return
	}
	res, err := h.Users.Login(ctx, userauth.LoginRequest{Login: f.Get("login"), Password: f.Get("password"), ClientIP: sso.ClientIP(r)})
	if err != nil {
		code := directory.ErrorCode(err)
		if code != directory.EUNAUTHORIZED && code != directory.ERATELIMITED {
			h.fail(w, r, err)
			return
		}
		v.Error = directory.ErrorMessage(err)
		status := http.StatusUnauthorized
		if code == directory.ERATELIMITED {
			status = http.StatusTooManyRequests
		}
		h.render(w, r, status, "login", v)
		return
	}
	h.Cookies.Set(w, res.Token)
	if res.NeedsTOTP {
		v.Title, v.Login, v.CSRF = "Two-step verification", "", res.Session.CSRFToken
		h.render(w, r, http.StatusOK, "totp", v)
		return
	}
	http.Redirect(w, r, returnTarget(v.Pending, v.Next), http.StatusSeeOther)
}

func (h *Handler) handleTOTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 8192)
	if err := r.ParseForm(); err != nil {
		h.render(w, r, http.StatusBadRequest, "message", view{Title: "Bad request", Error: "The form could not be read.", Narrow: true})
		return
	}
	f := r.PostForm
	v := view{Title: "Two-step verification", Narrow: true, Pending: cleanPending(f.Get("pending")), Next: safeNext(f.Get("next"))}
	token := h.Cookies.Token(r)
	sess, err := h.Users.PendingMFA(ctx, token)
	if err != nil {
		http.Redirect(w, r, "/console/login", http.StatusSeeOther)
		return
	}
	if !userauth.SameOrigin(r, h.BaseURL) || !userauth.CheckCSRF(sess, f.Get(userauth.CSRFField)) {
		h.render(w, r, http.StatusForbidden, "message", view{Title: "Request refused", Error: "This form has expired or did not come from this site. Sign in again.", Narrow: true})
		return
	}
	res, err := h.Users.CompleteMFA(ctx, token, f.Get("code"), sso.ClientIP(r))
	if err != nil {
		if errors.Is(err, userauth.ErrBadCode) || directory.ErrorCode(err) == directory.ERATELIMITED {
			v.Error, v.CSRF = directory.ErrorMessage(err), sess.CSRFToken
			h.render(w, r, web401or429(err), "totp", v)
			return
		}
		h.fail(w, r, err)
		return
	}
	h.Cookies.Set(w, res.Token)
	http.Redirect(w, r, returnTarget(v.Pending, v.Next), http.StatusSeeOther)
}

func web401or429(err error) int {
	if directory.ErrorCode(err) == directory.ERATELIMITED {
		return http.StatusTooManyRequests
	}
	return http.StatusUnauthorized
}

func (h *Handler) handleLogout(w http.ResponseWriter, r *http.Request) {
	sess := h.postSession(w, r)
	if sess == nil {
		return
	}
	if err := h.Users.Logout(r.Context(), h.Cookies.Token(r)); err != nil {
		h.fail(w, r, err)
		return
	}
	h.Cookies.Clear(w)
	h.render(w, r, http.StatusOK, "login", view{Title: "Sign in", Narrow: true, Notice: "You are signed out."})
}

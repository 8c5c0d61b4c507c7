package adminauth

import (
	"crypto/subtle"
	"net/http"
)

// CheckCSRF reports whether token equals the session's CSRF token
// (constant-time comparison). Forms carry it in userauth.CSRFField; check
// the request's origin with userauth.SameOrigin as well.
func CheckCSRF(sess *Session, token string) bool {
	if sess == nil || sess.CSRFToken == "" || token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(sess.CSRFToken), []byte(token)) == 1
}

// Cookies names and writes the admin session cookie: HttpOnly,
// SameSite=Strict, path /, and, when Secure (the base URL is https), Secure
// with the __Host- prefix. It is distinct from the user console's cookie
// (userauth.Cookies), so one browser can hold both sessions.
type Cookies struct {
	Secure bool
}

// Name is the admin session cookie's name.
func (c Cookies) Name() string {
	if c.Secure {
		return "__Host-jumpgate_admin"
	}
	return "jumpgate_admin"
}

// Set writes the session cookie with token (a session cookie: no Max-Age;
// the server enforces the timeouts).
func (c Cookies) Set(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: c.Name(), Value: token, Path: "/", HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteStrictMode})
}

// Clear deletes the session cookie.
func (c Cookies) Clear(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: c.Name(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteStrictMode})
}

// Token returns the session token sent with r, or "".
func (c Cookies) Token(r *http.Request) string {
	ck, err := r.Cookie(c.Name())
	if err != nil {
		return ""
	}
	return ck.Value
}

package userauth

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
)

// CSRFField is the form field that carries a session's CSRF token.
const CSRFField = "csrf_token"

// CheckCSRF reports whether token equals the session's CSRF token
// (constant-time comparison).
func CheckCSRF(sess *Session, token string) bool {
	if sess == nil || sess.CSRFToken == "" || token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(sess.CSRFToken), []byte(token)) == 1
}

// SameOrigin reports whether a state-changing request comes from the
// server's own pages: Sec-Fetch-Site, when sent, must be same-origin (or
// none, for a typed URL); otherwise Origin, when sent, must be baseURL's
// origin. Requests with neither header (old clients, tests) pass; the CSRF
// token still protects them.
func SameOrigin(r *http.Request, baseURL string) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin" || site == "none"
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	b, err := url.Parse(baseURL)
	if err != nil {
		return false
	}
	return strings.EqualFold(origin, b.Scheme+"://"+b.Host)
}

// Cookies names and writes the session cookie: HttpOnly, SameSite=Lax,
// path /, and, when Secure (the base URL is https), Secure with the
// __Host- prefix.
type Cookies struct {
	Secure bool
}

// Name is the session cookie's name.
func (c Cookies) Name() string {
	if c.Secure {
		return "__Host-jumpgate_session"
	}
	return "jumpgate_session"
}

// Set writes the session cookie with token.
func (c Cookies) Set(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: c.Name(), Value: token, Path: "/", HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
}

// Clear deletes the session cookie.
func (c Cookies) Clear(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: c.Name(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
}

// Token returns the session token sent with r, or "".
func (c Cookies) Token(r *http.Request) string {
	ck, err := r.Cookie(c.Name())
	if err != nil {
		return ""
	}
	return ck.Value
}

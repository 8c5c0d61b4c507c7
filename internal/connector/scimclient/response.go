package scimclient

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
)

// maxDetail bounds the application's error text kept in errors.
const maxDetail = 300

// errorBody is RFC 7644's error JSON, read leniently: status may be a
// string or a number.
type errorBody struct {
	Status   json.RawMessage `json:"status"`
	ScimType string          `json:"scimType"`
	Detail   string          `json:"detail"`
	// Some apps answer {"message": "..."} or {"error": "..."}.
	Message string `json:"message"`
	Error   any    `json:"error"`
}

// responseError classifies a non-2xx answer. Only the application's
// detail text is kept (shortened), never the body itself.
func responseError(op string, status int, h http.Header, raw []byte, now time.Time) *connector.Error {
	e := &connector.Error{Op: op, HTTPStatus: status, Temporary: connector.TemporaryStatus(status)}
	var b errorBody
	if json.Unmarshal(raw, &b) == nil {
		e.SCIMType = shorten(b.ScimType, 40)
		switch {
		case b.Detail != "":
			e.Detail = b.Detail
		case b.Message != "":
			e.Detail = b.Message
		default:
			if s, ok := b.Error.(string); ok {
				e.Detail = s
			}
		}
	}
	if e.Detail == "" {
		e.Detail = http.StatusText(status)
		if e.Detail == "" {
			e.Detail = "status " + strconv.Itoa(status)
		}
	}
	e.Detail = shorten(e.Detail, maxDetail)
	if e.Temporary {
		e.RetryAfter = retryAfter(h, now)
	}
	return e
}

// DecodeError reads an RFC 7644 error body (status as a string or a
// number) into its status, scimType and detail.
func DecodeError(raw []byte) (status int, scimType, detail string, ok bool) {
	var b errorBody
	if json.Unmarshal(raw, &b) != nil {
		return 0, "", "", false
	}
	s := strings.Trim(string(bytes.TrimSpace(b.Status)), `"`)
	status, _ = strconv.Atoi(s)
	return status, b.ScimType, b.Detail, true
}

// shorten trims s to at most n bytes on a rune boundary, one line.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// maxRetryAfter caps what an application may ask for.
const maxRetryAfter = time.Hour

// retryAfter reads X-Scim-Retry-After (seconds), then Retry-After
// (seconds or an HTTP date).
func retryAfter(h http.Header, now time.Time) time.Duration {
	for _, k := range []string{"X-Scim-Retry-After", "Retry-After"} {
		v := strings.TrimSpace(h.Get(k))
		if v == "" {
			continue
		}
		if secs, err := strconv.ParseFloat(v, 64); err == nil {
			if secs < 0 || secs != secs {
				continue
			}
			if secs >= maxRetryAfter.Seconds() { // also +Inf, which no Duration holds
				return maxRetryAfter
			}
			return time.Duration(secs * float64(time.Second))
		}
		if t, err := http.ParseTime(v); err == nil {
			return min(max(t.Sub(now), 0), maxRetryAfter)
		}
	}
	return 0
}

// RateLimitFromHeader reads X-Scim-RateLimit-Limit, -Remaining and
// -Reset (Unix seconds, or an HTTP date) and the retry headers; ok is
// false when none is present.
func RateLimitFromHeader(h http.Header, now time.Time) (connector.RateLimitInfo, bool) {
	var info connector.RateLimitInfo
	ok := false
	if v, err := strconv.Atoi(strings.TrimSpace(h.Get("X-Scim-RateLimit-Limit"))); err == nil {
		info.Limit, ok = v, true
	}
	if v, err := strconv.Atoi(strings.TrimSpace(h.Get("X-Scim-RateLimit-Remaining"))); err == nil {
		info.Remaining, ok = v, true
	}
	if v := strings.TrimSpace(h.Get("X-Scim-RateLimit-Reset")); v != "" {
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
			info.Reset, ok = time.Unix(secs, 0).UTC(), true
		} else if t, err := http.ParseTime(v); err == nil {
			info.Reset, ok = t, true
		}
	}
	if ra := retryAfter(h, now); ra > 0 {
		info.RetryAfter, ok = ra, true
	}
	return info, ok
}

package connector

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Error is the one error type connectors return. HTTPStatus is 0 when no
// answer came (network error, timeout, undecodable answer).
type Error struct {
	// Op names the call, e.g. "CreateUser" or "GET /Users".
	Op string
	// HTTPStatus is the application's status code, 0 for none.
	HTTPStatus int
	// SCIMType is the RFC 7644 scimType of the error body, if any.
	SCIMType string
	// Detail is the application's own error text, shortened; it
	// never holds request or response bodies beyond that text.
	Detail string
	// RetryAfter is how long the application asked to wait (429/503).
	RetryAfter time.Duration
	// Temporary reports that the same call may succeed later: 429,
	// 5xx and network errors.
	Temporary bool
	// Err is the underlying cause, if any.
	Err error
}

func (e *Error) Error() string {
	msg := "connector: " + e.Op
	if e.HTTPStatus != 0 {
		msg += fmt.Sprintf(": HTTP %d", e.HTTPStatus)
	}
	if e.SCIMType != "" {
		msg += " " + e.SCIMType
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var ce *Error
	if errors.As(err, &ce) {
		return ce
	}
	return nil
}

// IsTemporary reports whether err may go away on retry: 429, 5xx and
// network errors. Unknown errors are not temporary.
func IsTemporary(err error) bool {
	ce := AsError(err)
	return ce != nil && ce.Temporary
}

// RetryAfter returns the wait the application asked for, or 0.
func RetryAfter(err error) time.Duration {
	if ce := AsError(err); ce != nil {
		return ce.RetryAfter
	}
	return 0
}

// IsConflict reports a 409 (e.g. the email or userName is taken).
func IsConflict(err error) bool {
	ce := AsError(err)
	return ce != nil && ce.HTTPStatus == http.StatusConflict
}

// IsNotFound reports a 404 (the resource is gone).
func IsNotFound(err error) bool {
	ce := AsError(err)
	return ce != nil && ce.HTTPStatus == http.StatusNotFound
}

// TemporaryStatus reports whether an HTTP status is worth retrying.
func TemporaryStatus(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500
}

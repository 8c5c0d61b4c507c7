package directory

import (
	"errors"
	"fmt"
)

// Error codes: the one vocabulary shared by the domain, the storage backends and
// every transport. Transports translate a code into a status (HTTP, SCIM) in one
// table each.
const (
	EINVALID      = "invalid"            // the input breaks a rule; Fields says which
	ECONFLICT     = "conflict"           // a uniqueness rule would be broken
	ENOTFOUND     = "not_found"          // the resource does not exist
	EUNAUTHORIZED = "unauthorized"       // no or bad credentials
	EFORBIDDEN    = "forbidden"          // credentials are good but not allowed to do this
	ETOOLARGE     = "too_large"          // the request body is too big
	EUNAVAILABLE  = "unavailable"        // a dependency (database, app) cannot be reached now
	EINTERNAL     = "internal"           // a bug or an unexpected failure; details go to the log only
	ERATELIMITED  = "rate_limited"       // too many requests
	EPRECONDITION = "precondition"       // the resource is not in a state that allows the action
	EMETHOD       = "method_not_allowed" // the route exists, but not for this HTTP method
)

// FieldError names one field of the input and why it was refused.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error is a domain error with a code, a message safe to show to the caller and,
// for EINVALID and ECONFLICT, the fields concerned.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	// Err is an optional cause; it is logged, never shown.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error listing the given field errors.
func Invalid(fields ...FieldError) *Error {
	msg := "invalid input"
	if len(fields) == 1 {
		msg = fields[0].Field + ": " + fields[0].Reason
	} else if len(fields) > 1 {
		msg = fmt.Sprintf("invalid input: %d fields", len(fields))
	}
	return &Error{Code: EINVALID, Message: msg, Fields: fields}
}

// Conflict returns an ECONFLICT error for a value of field that is already taken.
func Conflict(field, message string) *Error {
	return &Error{Code: ECONFLICT, Message: message, Fields: []FieldError{{Field: field, Reason: "already taken"}}}
}

// NotFound returns an ENOTFOUND error for a kind of resource and its id.
func NotFound(kind, id string) *Error {
	return &Error{Code: ENOTFOUND, Message: fmt.Sprintf("%s %q not found", kind, id)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the public message of err: the message of an *Error, or
// a generic text for anything else so that internals never leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorFields returns the field errors of the first *Error in err's chain.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

package web

import (
	"encoding/json"
	"net/http"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// statusOf is the one table from the directory's error codes to HTTP status.
var statusOf = map[string]int{
	directory.EINVALID:      http.StatusBadRequest,
	directory.ECONFLICT:     http.StatusConflict,
	directory.ENOTFOUND:     http.StatusNotFound,
	directory.EUNAUTHORIZED: http.StatusUnauthorized,
	directory.EFORBIDDEN:    http.StatusForbidden,
	directory.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	directory.EUNAVAILABLE:  http.StatusServiceUnavailable,
	directory.EINTERNAL:     http.StatusInternalServerError,
	directory.ERATELIMITED:  http.StatusTooManyRequests,
	directory.EPRECONDITION: http.StatusConflict,
	directory.EMETHOD:       http.StatusMethodNotAllowed,
}

// Status returns the HTTP status of an error code (500 for an unknown code).
func Status(code string) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON of every error answer:
// {"error":{"code":..,"message":..,"fields":[..],"requestId":..}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody.
type ErrorDetail struct {
	Code      string                 `json:"code"`
	Message   string                 `json:"message"`
	Fields    []directory.FieldError `json:"fields,omitempty"`
	RequestID string                 `json:"requestId,omitempty"`
}

// WriteJSON writes v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// WriteError answers with err's status and JSON body. Internal errors show a
// generic message; every error is logged on the request's logger with its
// cause: server errors at error level, authentication failures at warn
// level, other client errors at debug level.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	code := directory.ErrorCode(err)
	status := Status(code)
	log := Logger(r.Context())
	switch {
	case status >= 500:
		log.ErrorContext(r.Context(), "request failed", "code", code, "status", status, "err", err)
	case code == directory.EUNAUTHORIZED || code == directory.EFORBIDDEN:
		log.WarnContext(r.Context(), "request refused", "code", code, "status", status, "err", err)
	default:
		log.DebugContext(r.Context(), "bad request", "code", code, "status", status, "err", err)
	}
	msg := directory.ErrorMessage(err)
	if code == directory.EINTERNAL {
		msg = "internal error"
	}
	if code == directory.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="jumpgate"`)
	}
	WriteJSON(w, status, ErrorBody{Error: ErrorDetail{
		Code: code, Message: msg, Fields: directory.ErrorFields(err), RequestID: RequestID(r.Context()),
	}})
}

package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/jumpgate-idp/jumpgate/internal/apiclient"
)

// kindDropped is the error kind of operations the client could not start.
const kindDropped = "client: dropped (every worker busy)"

// stepError is a failed step of an operation; kind, when set, names the
// failure for the report ("http 401", "no SAML form", "verify"), otherwise
// the cause is classified (API error code, timeout, connection refused…).
type stepError struct {
	step string
	kind string
	err  error
}

func (e *stepError) Error() string { return e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

func stepErr(step, kind string, err error) error { return &stepError{step: step, kind: kind, err: err} }

// classify returns the report's error kind of err and a message for it.
func classify(op string, err error) (kind, msg string) {
	msg = err.Error()
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	prefix := op
	var se *stepError
	if errors.As(err, &se) {
		prefix += " " + se.step
		if se.kind != "" {
			return prefix + ": " + se.kind, msg
		}
	}
	var ae *apiclient.Error
	if errors.As(err, &ae) {
		return fmt.Sprintf("%s: http %d %s", prefix, ae.Status, ae.Code), msg
	}
	return prefix + ": " + transportKind(err), msg
}

func transportKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	}
	return "other"
}

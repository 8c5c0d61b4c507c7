package samlidp

import (
	"errors"
	"fmt"
)

// Errors returned by this package. Every one of them describes bad input
// (a 4xx condition for the HTTP endpoints); callers test them with errors.Is.
var (
	// ErrInvalidConfig: an AppConfig is incomplete or inconsistent
	// (ValidateAppConfig returns a *FieldError wrapping it).
	ErrInvalidConfig = errors.New("samlidp: invalid application configuration")
	// ErrMalformedRequest: the SAML message cannot be decoded or is not a
	// well-formed AuthnRequest (bad base64, DEFLATE, XML, DTD, size).
	ErrMalformedRequest = errors.New("samlidp: malformed SAML request")
	// ErrUnknownServiceProvider: no application is configured for the Issuer.
	ErrUnknownServiceProvider = errors.New("samlidp: unknown service provider")
	// ErrSignature: the application requires signed AuthnRequests and the
	// request is unsigned or its signature does not verify with the SP
	// certificate.
	ErrSignature = errors.New("samlidp: AuthnRequest signature missing or invalid")
	// ErrACSNotAllowed: the requested AssertionConsumerServiceURL (or
	// binding) is not one the application allows.
	ErrACSNotAllowed = errors.New("samlidp: assertion consumer service not allowed")
	// ErrRequestExpired: IssueInstant is too old or in the future.
	ErrRequestExpired = errors.New("samlidp: AuthnRequest expired or not yet valid")
	// ErrDestination: Destination is present and is not the IdP SSO URL.
	ErrDestination = errors.New("samlidp: AuthnRequest destination mismatch")
	// ErrReplayed: the AuthnRequest ID was already used.
	ErrReplayed = errors.New("samlidp: AuthnRequest replayed")
	// ErrInvalidSubject: the Subject given to MakeResponse is unusable.
	ErrInvalidSubject = errors.New("samlidp: invalid subject")
	// ErrInvalidKey: key material cannot be parsed or does not match.
	ErrInvalidKey = errors.New("samlidp: invalid key or certificate")
	// ErrInvalidMetadata: SP metadata cannot be imported.
	ErrInvalidMetadata = errors.New("samlidp: invalid SP metadata")
)

// FieldError names the AppConfig field that is wrong. It wraps
// ErrInvalidConfig.
type FieldError struct {
	Field   string // e.g. "ACSURLs[1]"
	Message string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("samlidp: AppConfig.%s: %s", e.Field, e.Message)
}

// Unwrap makes errors.Is(err, ErrInvalidConfig) true.
func (e *FieldError) Unwrap() error { return ErrInvalidConfig }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

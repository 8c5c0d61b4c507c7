package samlsp

import (
	"errors"

	"github.com/crewjam/saml"
)

// Reasons a SAML response is rejected. A *ResponseError matches exactly one
// of them with errors.Is.
var (
	// ErrMalformed: not a form POST, missing SAMLResponse, bad base64,
	// XML that is not well formed or does not round-trip, a DTD, an entity
	// declaration or processing instruction, a missing required element,
	// or not exactly one Assertion.
	ErrMalformed = errors.New("samlsp: malformed SAML response")
	// ErrTooLarge: the form or the SAMLResponse is larger than allowed.
	ErrTooLarge = errors.New("samlsp: SAML response too large")
	// ErrUnsupported: a binding or feature this service provider does not
	// support (HTTP-Artifact, HTTP-POST-SimpleSign, encrypted assertions,
	// identifiers or attributes, unknown conditions, SAML versions other
	// than 2.0).
	ErrUnsupported = errors.New("samlsp: unsupported SAML feature")
	// ErrBadSignature: no valid signature by a configured IdP certificate
	// over the Response or the Assertion, a tampered signed element, a
	// certificate that is not configured or not valid now, or a SHA-1
	// signature while SHA-1 is not allowed.
	ErrBadSignature = errors.New("samlsp: bad or missing signature")
	// ErrUnknownIssuer: the Response or Assertion Issuer is not the IdP's
	// entity ID.
	ErrUnknownIssuer = errors.New("samlsp: unknown issuer")
	// ErrWrongAudience: the assertion is not restricted to this SP.
	ErrWrongAudience = errors.New("samlsp: wrong audience")
	// ErrWrongRecipient: no bearer SubjectConfirmationData names the ACS URL
	// as its Recipient.
	ErrWrongRecipient = errors.New("samlsp: wrong recipient")
	// ErrWrongDestination: the Response Destination is not the ACS URL, or
	// is missing on a signed Response.
	ErrWrongDestination = errors.New("samlsp: wrong destination")
	// ErrExpired: IssueInstant too old, or a NotOnOrAfter has passed
	// (allowing the clock skew).
	ErrExpired = errors.New("samlsp: expired")
	// ErrNotYetValid: a NotBefore or IssueInstant is in the future
	// (allowing the clock skew).
	ErrNotYetValid = errors.New("samlsp: not yet valid")
	// ErrReplay: the assertion ID was accepted before.
	ErrReplay = errors.New("samlsp: assertion replayed")
	// ErrUnsolicited: a response with no InResponseTo while IdP-initiated
	// logins are not allowed.
	ErrUnsolicited = errors.New("samlsp: unsolicited response")
	// ErrUnknownRequest: InResponseTo names no outstanding AuthnRequest of
	// this SP (unknown, expired or already answered), or the Response and
	// its Assertion disagree about it.
	ErrUnknownRequest = errors.New("samlsp: unknown or reused InResponseTo")
	// ErrStatus: the Response status is not Success (the IdP refused or
	// failed the login).
	ErrStatus = errors.New("samlsp: IdP returned a non-success status")
)

// ResponseError is returned by HandleACS when a SAML response is rejected.
// Its Error text is deliberately short and the same for every reason, so it
// can be shown to the user; log Cause instead. The caller should answer 4xx
// (400 or 403). Any other error from HandleACS is a failure of a store
// (5xx), and the response was neither accepted nor rejected.
type ResponseError struct {
	// Reason is one of the exported Err* reasons of this package.
	Reason error
	// Cause is the detailed, private explanation for the log. It may
	// include values taken from the response; never show it to the user.
	Cause error
}

// Error returns the public message.
func (e *ResponseError) Error() string { return "SAML response rejected" }

// Unwrap returns the reason, so that errors.Is(err, ErrExpired) works.
func (e *ResponseError) Unwrap() error { return e.Reason }

// Detail returns the reason and the private cause, for the log.
func (e *ResponseError) Detail() string {
	if e.Cause == nil {
		return e.Reason.Error()
	}
	return e.Reason.Error() + ": " + e.Cause.Error()
}

func reject(reason, cause error) *ResponseError {
	return &ResponseError{Reason: reason, Cause: cause}
}

// classify maps an error of crewjam/saml's ServiceProvider to a reason of
// this package. Signature failures are looked at first, because crewjam
// attaches more specific kinds beside ErrInvalidSignature.
func classify(err error) error {
	var bad saml.ErrBadStatus
	switch {
	case errors.Is(err, saml.ErrInvalidSignature),
		errors.Is(err, saml.ErrUntrustedCertificate),
		errors.Is(err, saml.ErrCertificateNotValidNow):
		return ErrBadSignature
	case errors.As(err, &bad):
		return ErrStatus
	case errors.Is(err, saml.ErrIssuerMismatch):
		return ErrUnknownIssuer
	case errors.Is(err, saml.ErrAudienceMismatch):
		return ErrWrongAudience
	case errors.Is(err, saml.ErrDestinationMismatch):
		// The Response Destination was checked before crewjam ran, so
		// what crewjam refuses here is the SubjectConfirmation Recipient.
		return ErrWrongRecipient
	case errors.Is(err, saml.ErrExpired):
		return ErrExpired
	case errors.Is(err, saml.ErrNotYetValid):
		return ErrNotYetValid
	case errors.Is(err, saml.ErrRequestIDMismatch):
		return ErrUnknownRequest
	case errors.Is(err, saml.ErrUnsupported), errors.Is(err, saml.ErrDecryptionFailed):
		return ErrUnsupported
	default:
		return ErrMalformed
	}
}

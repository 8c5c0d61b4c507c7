package samlidp

import (
	"context"
	"fmt"
	"time"

	"github.com/crewjam/saml"
)

// SAML status codes for MakeErrorResponse (saml-core §3.2.2.2).
const (
	StatusRequester           = saml.StatusRequester
	StatusResponder           = saml.StatusResponder
	StatusAuthnFailed         = saml.StatusAuthnFailed
	StatusInvalidNameIDPolicy = saml.StatusInvalidNameIDPolicy
	StatusNoPassive           = saml.StatusNoPassive
	StatusRequestDenied       = saml.StatusRequestDenied
)

// MakeErrorResponse builds a signed Response without assertion that tells
// the SP why the request req cannot be answered, e.g. StatusResponder with
// StatusNoPassive for IsPassive without a session, or StatusRequestDenied
// when the user may not use the application. topLevel must be
// StatusRequester or StatusResponder; secondLevel and message are optional
// (message is shown by some SPs: never put secrets in it). The Response
// element is always signed, whatever cfg.Sign says.
func (i *IdP) MakeErrorResponse(ctx context.Context, cfg AppConfig, req *AuthnRequest, topLevel, secondLevel, message string, now time.Time) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := ValidateAppConfig(cfg); err != nil {
		return nil, err
	}
	if topLevel != StatusRequester && topLevel != StatusResponder {
		return nil, fmt.Errorf("samlidp: error status %q must be Requester or Responder", topLevel)
	}
	if req == nil || req.SPEntityID != cfg.SPEntityID || !cfg.allowsACS(req.ACSURL) {
		return nil, fmt.Errorf("%w: error responses answer a request of this application", ErrACSNotAllowed)
	}
	resp := &Response{ACSURL: req.ACSURL, RelayState: req.RelayState, InResponseTo: req.ID}
	var err error
	if resp.ID, err = i.newID(); err != nil {
		return nil, err
	}
	status := saml.Status{StatusCode: saml.StatusCode{Value: topLevel}}
	if secondLevel != "" {
		status.StatusCode.StatusCode = &saml.StatusCode{Value: secondLevel}
	}
	if message != "" {
		status.StatusMessage = &saml.StatusMessage{Value: message}
	}
	el := responseEnvelope(&cfg, resp, now.UTC(), status)
	sctx, err := signingContext(&cfg)
	if err != nil {
		return nil, err
	}
	if err := signInPlace(sctx, el); err != nil {
		return nil, err
	}
	if resp.xml, err = serialize(el); err != nil {
		return nil, err
	}
	return resp, nil
}

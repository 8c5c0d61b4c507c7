package samlidp

import "time"

// AuthnRequest is a verified SP-initiated login request.
type AuthnRequest struct {
	ID                 string
	SPEntityID         string // the Issuer, equal to the app's SPEntityID
	ACSURL             string // where to post the Response: the requested one (allowed) or the default
	RelayState         string // to echo back unchanged
	ForceAuthn         bool
	IsPassive          bool
	NameIDPolicyFormat string // as requested, "" when absent
	IssueInstant       time.Time
	Binding            string // BindingHTTPRedirect or BindingHTTPPost
	Signed             bool   // a signature was present and verified
	App                *AppConfig
}

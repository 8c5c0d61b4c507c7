package samlidp

import "io"

// IdP makes signed SAML Responses. It holds no per-application state; each
// call gets the application's AppConfig.
type IdP struct {
	// Rand supplies the random IDs (response, assertion, transient NameID).
	Rand io.Reader
}

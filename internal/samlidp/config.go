package samlidp

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"net/url"
	"strconv"
	"strings"
	"time"

	dsig "github.com/russellhaering/goxmldsig"
)

// NameIDFormat is a SAML NameID format URI.
type NameIDFormat string

// The NameID formats an application may use. The zero value means
// NameIDEmailAddress.
const (
	NameIDEmailAddress NameIDFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	NameIDUnspecified  NameIDFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
	NameIDPersistent   NameIDFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
	NameIDTransient    NameIDFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
)

// SignatureAlgorithm is an XML-DSig SignatureMethod URI.
type SignatureAlgorithm string

// Supported signature algorithms. The zero value means RSA-SHA256 for RSA
// keys and ECDSA-SHA256 for EC keys; RSA-SHA1 is used only when chosen.
const (
	RSASHA256   SignatureAlgorithm = dsig.RSASHA256SignatureMethod
	RSASHA1     SignatureAlgorithm = dsig.RSASHA1SignatureMethod
	ECDSASHA256 SignatureAlgorithm = dsig.ECDSASHA256SignatureMethod
)

// SignMode says which elements of a Response are signed.
type SignMode string

// Sign modes. The zero value means SignAssertion.
const (
	SignAssertion SignMode = "assertion"
	SignResponse  SignMode = "response"
	SignBoth      SignMode = "both"
)

// Defaults for AppConfig fields left zero.
const (
	DefaultAssertionLifetime = 5 * time.Minute
	DefaultClockSkew         = 90 * time.Second
	// MaxRelayStateLength bounds RelayState (SAML asks for at most 80 bytes;
	// real service providers send longer values).
	MaxRelayStateLength = 2048
)

// AppConfig is everything the IdP needs to know about one application.
type AppConfig struct {
	IdPEntityID string // the Issuer of our responses, typed by the admin
	IdPSSOURL   string // the app's IdP URL, e.g. https://host/saml2/quip
	SPEntityID  string // matched case-sensitively against the AuthnRequest Issuer
	// ACSURLs are the allowed AssertionConsumerService URLs (http or https);
	// the first is the default.
	ACSURLs []string
	// SPCertificate, when set, makes signed AuthnRequests mandatory and is
	// the only key accepted for them.
	SPCertificate *x509.Certificate
	// NameIDAttribute names the user attribute the caller puts in
	// Subject.NameID (e.g. "email"); this package only carries it.
	NameIDAttribute string
	NameIDFormat    NameIDFormat       // "" = emailAddress
	Signature       SignatureAlgorithm // "" = by key type, SHA-256
	Sign            SignMode           // "" = SignAssertion
	// ECDSASignatureASN1 writes ECDSA SignatureValues as ASN.1 DER, as
	// goxmldsig-based service providers (crewjam/saml, gosaml2) expect,
	// instead of the r||s octets XML-DSig 1.1 specifies (xmlsec, Shibboleth,
	// Java). Only for such service providers.
	ECDSASignatureASN1 bool
	DefaultRelayState  string        // sent with IdP-initiated responses
	AssertionLifetime  time.Duration // 0 = 5 minutes
	ClockSkew          time.Duration // NotBefore back-dating and request clock tolerance; 0 = 90 s
	Key                *KeyPair
}

func (c *AppConfig) nameIDFormat() NameIDFormat {
	if c.NameIDFormat == "" {
		return NameIDEmailAddress
	}
	return c.NameIDFormat
}

func (c *AppConfig) signMode() SignMode {
	if c.Sign == "" {
		return SignAssertion
	}
	return c.Sign
}

func (c *AppConfig) lifetime() time.Duration {
	if c.AssertionLifetime == 0 {
		return DefaultAssertionLifetime
	}
	return c.AssertionLifetime
}

func (c *AppConfig) skew() time.Duration {
	if c.ClockSkew == 0 {
		return DefaultClockSkew
	}
	return c.ClockSkew
}

func (c *AppConfig) signatureAlgorithm() SignatureAlgorithm {
	if c.Signature != "" {
		return c.Signature
	}
	if c.Key != nil && c.Key.Signer != nil {
		if _, ok := c.Key.Signer.Public().(*ecdsa.PublicKey); ok {
			return ECDSASHA256
		}
	}
	return RSASHA256
}

// DefaultACSURL returns the first ACS URL.
func (c *AppConfig) DefaultACSURL() string {
	if len(c.ACSURLs) == 0 {
		return ""
	}
	return c.ACSURLs[0]
}

func (c *AppConfig) allowsACS(u string) bool {
	for _, a := range c.ACSURLs {
		if a == u {
			return true
		}
	}
	return false
}

// ValidateAppConfig checks cfg and returns a *FieldError (wrapping
// ErrInvalidConfig) naming the first wrong field.
func ValidateAppConfig(cfg AppConfig) error {
	if err := checkEntityID("IdPEntityID", cfg.IdPEntityID); err != nil {
		return err
	}
	if err := checkHTTPURL("IdPSSOURL", cfg.IdPSSOURL); err != nil {
		return err
	}
	if err := checkEntityID("SPEntityID", cfg.SPEntityID); err != nil {
		return err
	}
	if len(cfg.ACSURLs) == 0 {
		return fieldErr("ACSURLs", "at least one ACS URL is required")
	}
	for i, u := range cfg.ACSURLs {
		if err := checkHTTPURL("ACSURLs["+strconv.Itoa(i)+"]", u); err != nil {
			return err
		}
	}
	switch cfg.NameIDFormat {
	case "", NameIDEmailAddress, NameIDUnspecified, NameIDPersistent, NameIDTransient:
	default:
		return fieldErr("NameIDFormat", "unsupported format %q", cfg.NameIDFormat)
	}
	switch cfg.Sign {
	case "", SignAssertion, SignResponse, SignBoth:
	default:
		return fieldErr("Sign", "must be assertion, response or both, not %q", cfg.Sign)
	}
	if cfg.AssertionLifetime < 0 || cfg.AssertionLifetime > time.Hour {
		return fieldErr("AssertionLifetime", "must be between 0 (default 5m) and 1h")
	}
	if cfg.ClockSkew < 0 || cfg.ClockSkew > 10*time.Minute {
		return fieldErr("ClockSkew", "must be between 0 (default 90s) and 10m")
	}
	if len(cfg.DefaultRelayState) > MaxRelayStateLength {
		return fieldErr("DefaultRelayState", "longer than %d bytes", MaxRelayStateLength)
	}
	if cfg.Key == nil {
		return fieldErr("Key", "a signing key is required")
	}
	if err := checkKeyMatches(cfg.Key); err != nil {
		return fieldErr("Key", "%v", err)
	}
	switch cfg.Key.Signer.Public().(type) {
	case *rsa.PublicKey:
		switch cfg.Signature {
		case "", RSASHA256, RSASHA1:
		default:
			return fieldErr("Signature", "%q cannot be used with an RSA key", cfg.Signature)
		}
	case *ecdsa.PublicKey:
		switch cfg.Signature {
		case "", ECDSASHA256:
		default:
			return fieldErr("Signature", "%q cannot be used with an EC key", cfg.Signature)
		}
	}
	return nil
}

func checkEntityID(field, v string) error {
	switch {
	case v == "":
		return fieldErr(field, "is required")
	case len(v) > 1024:
		return fieldErr(field, "longer than 1024 characters")
	case strings.TrimSpace(v) != v:
		return fieldErr(field, "has leading or trailing white space")
	case strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fieldErr(field, "contains control characters")
	}
	return nil
}

// checkHTTPURL accepts only absolute http and https URLs with a host and no
// user information or fragment: never javascript:, data:, or relative URLs.
func checkHTTPURL(field, v string) error {
	if err := checkEntityID(field, v); err != nil {
		return err
	}
	u, err := url.Parse(v)
	if err != nil {
		return fieldErr(field, "not a URL: %v", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fieldErr(field, "scheme must be http or https, not %q", u.Scheme)
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return fieldErr(field, "must be an absolute URL with a host")
	case u.User != nil:
		return fieldErr(field, "must not contain user information")
	case u.Fragment != "" || strings.Contains(v, "#"):
		return fieldErr(field, "must not contain a fragment")
	}
	return nil
}

package samlsp

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// Defaults and limits.
const (
	// DefaultClockSkew is the clock difference allowed between the IdP and
	// this SP when NotBefore and NotOnOrAfter times are checked.
	DefaultClockSkew = 2 * time.Minute
	// DefaultRequestTTL is how long an AuthnRequest stays outstanding: the
	// time a user has to log in at the IdP.
	DefaultRequestTTL = 10 * time.Minute
	// MaxResponseSize is the largest SAMLResponse form value (base64) that
	// HandleACS accepts.
	MaxResponseSize = 256 << 10
	// MaxRelayStateSize is the largest RelayState HandleACS accepts.
	// LoginURL refuses more than 80 bytes, as the SAML bindings require of
	// senders; IdPs may send longer ones on IdP-initiated logins.
	MaxRelayStateSize = 1024
	// maxFormSize bounds the body HandleACS reads: a full-size SAMLResponse
	// whose base64 '+', '/' and '=' are all percent-encoded, plus a
	// RelayState.
	maxFormSize = 3*MaxResponseSize + 4*MaxRelayStateSize
)

// IdP is what the SP knows about the identity provider, usually from
// ParseIdPMetadata.
type IdP struct {
	// EntityID must equal the Issuer of every Response and Assertion.
	EntityID string
	// SSOURL is the IdP's SingleSignOnService for the HTTP-Redirect binding.
	SSOURL string
	// Certificates are the IdP signing certificates. A signature by any of
	// them is accepted (several are allowed for key rotation); a certificate
	// sent in a signature's KeyInfo is trusted only if it is one of them.
	// Their validity period is enforced.
	Certificates []*x509.Certificate
}

// RequestStore keeps the IDs of outstanding AuthnRequests on the server.
// The ACS POST is a cross-site request, so this state cannot live in a
// SameSite cookie. Implementations must be safe for concurrent use and be
// shared by every process that serves the ACS.
type RequestStore interface {
	// SaveRequest records id as outstanding until expires.
	SaveRequest(ctx context.Context, id string, expires time.Time) error
	// TakeRequest deletes id and reports whether it was outstanding and
	// unexpired. It is one-time: a second call for the same id reports
	// false. An error means the store failed, not that id is unknown.
	TakeRequest(ctx context.Context, id string) (bool, error)
}

// ReplayStore records the IDs of accepted assertions, so that each one is
// accepted once. Implementations must be safe for concurrent use.
type ReplayStore interface {
	// MarkAssertionUsed records id until expires; it returns false if id
	// was already recorded (and not yet expired). It must be atomic.
	MarkAssertionUsed(ctx context.Context, id string, expires time.Time) (bool, error)
}

// Config configures an SP. EntityID, ACSURL, IdP, Requests and Replay are
// required.
type Config struct {
	// EntityID is this SP's entity ID, e.g. https://host/c/acme/saml/metadata.
	// It is the audience assertions must be restricted to.
	EntityID string
	// ACSURL is the HTTP-POST AssertionConsumerService URL. Response
	// Destination and SubjectConfirmationData Recipient must equal it
	// exactly.
	ACSURL string
	// IdP is the identity provider trusted by this SP.
	IdP IdP
	// AllowIdPInitiated accepts unsolicited responses, which must then carry
	// no InResponseTo at all. Responses with an InResponseTo must still
	// answer an outstanding request.
	AllowIdPInitiated bool
	// AllowSHA1 accepts RSA-SHA1 and ECDSA-SHA1 signatures and SHA-1
	// digests. They are refused by default.
	AllowSHA1 bool
	// ClockSkew is the allowed clock difference (default DefaultClockSkew).
	// It cannot exceed saml.MaxClockSkew (3 minutes), the skew crewjam/saml
	// applies before this package's own, stricter time checks.
	ClockSkew time.Duration
	// RequestTTL is how long an AuthnRequest stays outstanding (default
	// DefaultRequestTTL).
	RequestTTL time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Rand is the source of AuthnRequest IDs (default crypto/rand.Reader).
	Rand io.Reader
	// Requests stores outstanding AuthnRequest IDs.
	Requests RequestStore
	// Replay stores used assertion IDs.
	Replay ReplayStore
}

// SP is a SAML service provider for one IdP. It is safe for concurrent use.
type SP struct {
	cfg     Config
	acsURL  url.URL
	idpMeta *saml.EntityDescriptor
}

// New checks cfg, fills in defaults and returns the SP.
func New(cfg Config) (*SP, error) {
	if cfg.EntityID == "" {
		return nil, errors.New("samlsp: Config.EntityID is required")
	}
	acs, err := absoluteURL(cfg.ACSURL)
	if err != nil {
		return nil, fmt.Errorf("samlsp: Config.ACSURL: %w", err)
	}
	if cfg.IdP.EntityID == "" {
		return nil, errors.New("samlsp: Config.IdP.EntityID is required")
	}
	if _, err := absoluteURL(cfg.IdP.SSOURL); err != nil {
		return nil, fmt.Errorf("samlsp: Config.IdP.SSOURL: %w", err)
	}
	if len(cfg.IdP.Certificates) == 0 {
		return nil, errors.New("samlsp: Config.IdP.Certificates: at least one signing certificate is required")
	}
	for i, c := range cfg.IdP.Certificates {
		if c == nil || len(c.Raw) == 0 {
			return nil, fmt.Errorf("samlsp: Config.IdP.Certificates[%d] is empty", i)
		}
	}
	if cfg.Requests == nil || cfg.Replay == nil {
		return nil, errors.New("samlsp: Config.Requests and Config.Replay are required")
	}
	switch {
	case cfg.ClockSkew == 0:
		cfg.ClockSkew = DefaultClockSkew
	case cfg.ClockSkew < 0 || cfg.ClockSkew > saml.MaxClockSkew:
		return nil, fmt.Errorf("samlsp: Config.ClockSkew must be between 0 and %s", saml.MaxClockSkew)
	}
	if cfg.RequestTTL <= 0 {
		cfg.RequestTTL = DefaultRequestTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	certs := make([]*x509.Certificate, len(cfg.IdP.Certificates))
	copy(certs, cfg.IdP.Certificates)
	cfg.IdP.Certificates = certs
	return &SP{cfg: cfg, acsURL: *acs, idpMeta: idpEntityDescriptor(cfg.IdP)}, nil
}

func absoluteURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return u, nil
}

// idpEntityDescriptor is the IdP metadata crewjam/saml reads the entity ID
// and the signing certificates from.
func idpEntityDescriptor(idp IdP) *saml.EntityDescriptor {
	var certs []saml.X509Certificate
	for _, c := range idp.Certificates {
		certs = append(certs, saml.X509Certificate{Data: base64.StdEncoding.EncodeToString(c.Raw)})
	}
	return &saml.EntityDescriptor{
		EntityID: idp.EntityID,
		IDPSSODescriptors: []saml.IDPSSODescriptor{{
			SSODescriptor: saml.SSODescriptor{RoleDescriptor: saml.RoleDescriptor{
				ProtocolSupportEnumeration: "urn:oasis:names:tc:SAML:2.0:protocol",
				KeyDescriptors: []saml.KeyDescriptor{{
					Use:     "signing",
					KeyInfo: saml.KeyInfo{X509Data: saml.X509Data{X509Certificates: certs}},
				}},
			}},
			SingleSignOnServices: []saml.Endpoint{{Binding: saml.HTTPRedirectBinding, Location: idp.SSOURL}},
		}},
	}
}

// serviceProvider returns the crewjam/saml ServiceProvider that checks one
// response at now. It is built for each response so that the clock is this
// SP's and nothing is shared between requests.
func (sp *SP) serviceProvider(now time.Time) *saml.ServiceProvider {
	return &saml.ServiceProvider{
		EntityID:                         sp.cfg.EntityID,
		AcsURL:                           sp.acsURL,
		IDPMetadata:                      sp.idpMeta,
		AllowIDPInitiated:                sp.cfg.AllowIdPInitiated,
		RejectSHA1Signatures:             !sp.cfg.AllowSHA1,
		RejectUnknownConditions:          true,
		AssertionConsumerServiceBindings: []string{saml.HTTPPostBinding},
		Clock:                            dsig.NewFakeClockAt(now),
		SignatureVerifier:                verifier{},
	}
}

// nameIDFormats are the formats Quip accepts, email first (recommended).
var nameIDFormats = []saml.NameIDFormat{
	saml.EmailAddressNameIDFormat,
	saml.PersistentNameIDFormat,
	saml.TransientNameIDFormat,
	saml.UnspecifiedNameIDFormat,
}

// Metadata returns the SP metadata: an EntityDescriptor with one
// SPSSODescriptor (WantAssertionsSigned, unsigned AuthnRequests, the NameID
// formats, one HTTP-POST AssertionConsumerService). It depends only on the
// configuration, so the same Config always gives the same bytes.
func (sp *SP) Metadata() ([]byte, error) {
	yes, no := true, false
	ed := saml.EntityDescriptor{
		EntityID:      sp.cfg.EntityID,
		CacheDuration: saml.DefaultCacheDuration,
		SPSSODescriptors: []saml.SPSSODescriptor{{
			SSODescriptor: saml.SSODescriptor{
				RoleDescriptor: saml.RoleDescriptor{ProtocolSupportEnumeration: "urn:oasis:names:tc:SAML:2.0:protocol"},
				NameIDFormats:  nameIDFormats,
			},
			AuthnRequestsSigned:  &no,
			WantAssertionsSigned: &yes,
			AssertionConsumerServices: []saml.IndexedEndpoint{{
				Binding: saml.HTTPPostBinding, Location: sp.cfg.ACSURL, Index: 1, IsDefault: &yes,
			}},
		}},
	}
	out, err := xml.MarshalIndent(ed, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("samlsp: marshal metadata: %w", err)
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// LoginURL starts an SP-initiated login: it records a new AuthnRequest ID in
// Config.Requests and returns the IdP SSO URL carrying the (unsigned,
// deflated) AuthnRequest with the HTTP-Redirect binding. relayState is sent
// back by the IdP unchanged and unauthenticated: treat the Login.RelayState
// HandleACS returns as untrusted input (e.g. accept only local paths). It
// may be at most 80 bytes.
func (sp *SP) LoginURL(ctx context.Context, relayState string) (string, error) {
	if len(relayState) > 80 {
		return "", errors.New("samlsp: RelayState longer than 80 bytes")
	}
	var raw [20]byte
	if _, err := io.ReadFull(sp.cfg.Rand, raw[:]); err != nil {
		return "", fmt.Errorf("samlsp: request ID: %w", err)
	}
	id := "id-" + hex.EncodeToString(raw[:])
	now := sp.cfg.Now().UTC()
	allowCreate := true
	req := saml.AuthnRequest{
		ID:                          id,
		Version:                     "2.0",
		IssueInstant:                now,
		Destination:                 sp.cfg.IdP.SSOURL,
		AssertionConsumerServiceURL: sp.cfg.ACSURL,
		ProtocolBinding:             saml.HTTPPostBinding,
		Issuer: &saml.Issuer{
			Format: "urn:oasis:names:tc:SAML:2.0:nameid-format:entity",
			Value:  sp.cfg.EntityID,
		},
		NameIDPolicy: &saml.NameIDPolicy{AllowCreate: &allowCreate},
	}
	u, err := req.Redirect(relayState, sp.serviceProvider(now))
	if err != nil {
		return "", fmt.Errorf("samlsp: encode AuthnRequest: %w", err)
	}
	if err := sp.cfg.Requests.SaveRequest(ctx, id, now.Add(sp.cfg.RequestTTL)); err != nil {
		return "", fmt.Errorf("samlsp: save request: %w", err)
	}
	return u.String(), nil
}

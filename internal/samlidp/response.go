package samlidp

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
)

// AuthnContextPasswordProtectedTransport is the default AuthnContextClassRef.
const AuthnContextPasswordProtectedTransport = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"

// Attribute is one resolved SAML attribute. Values are sent untyped (no
// xsi:type), so no namespace prefix hides inside attribute content.
type Attribute struct {
	Name         string
	NameFormat   string // optional, e.g. urn:oasis:names:tc:SAML:2.0:attrname-format:basic
	FriendlyName string // optional
	Values       []string
}

// Subject is the authenticated user as the caller resolved it for one
// application.
type Subject struct {
	// NameID is the NameID value (for persistent NameIDs a stable opaque
	// value per app and user, see PersistentNameID). Ignored for transient
	// NameIDs, which are fresh random values.
	NameID               string
	Attributes           []Attribute
	SessionIndex         string    // the IdP session, for logout; optional
	AuthnInstant         time.Time // when the user authenticated; zero = now
	AuthnContextClassRef string    // "" = PasswordProtectedTransport
}

// Response is a signed SAML Response ready to be posted to the ACS.
type Response struct {
	ID           string
	AssertionID  string
	InResponseTo string // "" for IdP-initiated
	ACSURL       string
	RelayState   string
	NameID       string // the NameID sent (the random one for transient)
	NotOnOrAfter time.Time
	xml          []byte
}

// XML returns the serialized Response.
func (r *Response) XML() []byte { return r.xml }

// Encoded returns the base64 form of the Response used as SAMLResponse.
func (r *Response) Encoded() string { return base64.StdEncoding.EncodeToString(r.xml) }

// MakeResponse builds and signs the SAML Response for subject. req is the
// parsed AuthnRequest, or nil for an IdP-initiated login (then the default
// ACS URL and the default RelayState are used). It returns ErrInvalidConfig,
// ErrACSNotAllowed, ErrUnknownServiceProvider (req from another app) or
// ErrInvalidSubject for bad input.
func (i *IdP) MakeResponse(ctx context.Context, cfg AppConfig, req *AuthnRequest, subject Subject, now time.Time) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := ValidateAppConfig(cfg); err != nil {
		return nil, err
	}
	resp := &Response{ACSURL: cfg.DefaultACSURL(), RelayState: cfg.DefaultRelayState}
	if req != nil {
		if req.SPEntityID != cfg.SPEntityID {
			return nil, fmt.Errorf("%w: request from %q answered with the config of %q", ErrUnknownServiceProvider, req.SPEntityID, cfg.SPEntityID)
		}
		if !cfg.allowsACS(req.ACSURL) {
			return nil, fmt.Errorf("%w: %q", ErrACSNotAllowed, req.ACSURL)
		}
		resp.ACSURL, resp.RelayState, resp.InResponseTo = req.ACSURL, req.RelayState, req.ID
	}
	if err := checkSubject(&subject); err != nil {
		return nil, err
	}
	var err error
	if resp.ID, err = i.newID(); err != nil {
		return nil, err
	}
	if resp.AssertionID, err = i.newID(); err != nil {
		return nil, err
	}
	resp.NameID = subject.NameID
	if cfg.nameIDFormat() != NameIDTransient && resp.NameID == "" {
		return nil, fmt.Errorf("%w: NameID is empty", ErrInvalidSubject)
	}
	if cfg.nameIDFormat() == NameIDTransient {
		if resp.NameID, err = i.newID(); err != nil {
			return nil, err
		}
	}
	now = now.UTC()
	resp.NotOnOrAfter = now.Add(cfg.lifetime())

	assertionEl, err := buildAssertion(&cfg, resp, &subject, now).CanonicalElement()
	if err != nil {
		return nil, fmt.Errorf("samlidp: build assertion: %w", err)
	}
	sctx, err := signingContext(&cfg)
	if err != nil {
		return nil, err
	}
	mode := cfg.signMode()
	if mode == SignAssertion || mode == SignBoth {
		if err := signInPlace(sctx, assertionEl); err != nil {
			return nil, err
		}
	}
	responseEl := responseEnvelope(&cfg, resp, now, saml.Status{StatusCode: saml.StatusCode{Value: saml.StatusSuccess}})
	responseEl.AddChild(assertionEl)
	if mode == SignResponse || mode == SignBoth {
		if err := signInPlace(sctx, responseEl); err != nil {
			return nil, err
		}
	}
	if resp.xml, err = serialize(responseEl); err != nil {
		return nil, err
	}
	return resp, nil
}

func buildAssertion(cfg *AppConfig, resp *Response, subject *Subject, now time.Time) *saml.Assertion {
	authnInstant := subject.AuthnInstant
	if authnInstant.IsZero() {
		authnInstant = now
	}
	classRef := subject.AuthnContextClassRef
	if classRef == "" {
		classRef = AuthnContextPasswordProtectedTransport
	}
	a := &saml.Assertion{
		ID:           resp.AssertionID,
		IssueInstant: now,
		Version:      "2.0",
		Issuer:       saml.Issuer{Format: "urn:oasis:names:tc:SAML:2.0:nameid-format:entity", Value: cfg.IdPEntityID},
		Subject: &saml.Subject{
			NameID: &saml.NameID{Format: string(cfg.nameIDFormat()), Value: resp.NameID},
			SubjectConfirmations: []saml.SubjectConfirmation{{
				Method: "urn:oasis:names:tc:SAML:2.0:cm:bearer",
				SubjectConfirmationData: &saml.SubjectConfirmationData{
					InResponseTo: resp.InResponseTo,
					NotOnOrAfter: resp.NotOnOrAfter,
					Recipient:    resp.ACSURL,
				},
			}},
		},
		Conditions: &saml.Conditions{
			NotBefore:            now.Add(-cfg.skew()),
			NotOnOrAfter:         resp.NotOnOrAfter,
			AudienceRestrictions: []saml.AudienceRestriction{{Audience: saml.Audience{Value: cfg.SPEntityID}}},
		},
		AuthnStatements: []saml.AuthnStatement{{
			AuthnInstant: authnInstant.UTC(),
			SessionIndex: subject.SessionIndex,
			AuthnContext: saml.AuthnContext{AuthnContextClassRef: &saml.AuthnContextClassRef{Value: classRef}},
		}},
	}
	if len(subject.Attributes) > 0 {
		attrs := make([]saml.Attribute, len(subject.Attributes))
		for k, at := range subject.Attributes {
			vals := make([]saml.AttributeValue, len(at.Values))
			for j, v := range at.Values {
				vals[j] = saml.AttributeValue{Value: v}
			}
			attrs[k] = saml.Attribute{FriendlyName: at.FriendlyName, Name: at.Name, NameFormat: at.NameFormat, Values: vals}
		}
		a.AttributeStatements = []saml.AttributeStatement{{Attributes: attrs}}
	}
	return a
}

func checkSubject(s *Subject) error {
	if len(s.NameID) > 1024 || hasControl(s.NameID) {
		return fmt.Errorf("%w: NameID too long or has control characters", ErrInvalidSubject)
	}
	for _, a := range s.Attributes {
		if a.Name == "" || hasControl(a.Name) {
			return fmt.Errorf("%w: attribute with an empty or invalid name", ErrInvalidSubject)
		}
		for _, v := range a.Values {
			if strings.ContainsFunc(v, func(r rune) bool {
				return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xfffe || r == 0xffff
			}) {
				return fmt.Errorf("%w: attribute %q has a value XML cannot carry", ErrInvalidSubject, a.Name)
			}
		}
	}
	return nil
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == 0xfffe || r == 0xffff })
}

// newID returns a random XML ID ("_" and 40 hex digits, 160 bits).
func (i *IdP) newID() (string, error) {
	r := i.Rand
	if r == nil {
		r = rand.Reader
	}
	var b [20]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("samlidp: random id: %w", err)
	}
	return "_" + hex.EncodeToString(b[:]), nil
}

// responseEnvelope returns the samlp:Response element without assertion.
func responseEnvelope(cfg *AppConfig, resp *Response, now time.Time, status saml.Status) *etree.Element {
	r := saml.Response{
		ID:           resp.ID,
		InResponseTo: resp.InResponseTo,
		Version:      "2.0",
		IssueInstant: now,
		Destination:  resp.ACSURL,
		Issuer:       &saml.Issuer{Format: "urn:oasis:names:tc:SAML:2.0:nameid-format:entity", Value: cfg.IdPEntityID},
		Status:       status,
	}
	el := r.Element()
	el.RemoveAttr("xmlns:xs") // unused: attribute values are untyped
	return el
}

func serialize(root *etree.Element) ([]byte, error) {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	doc.SetRoot(root)
	doc.WriteSettings.CanonicalEndTags = true
	out, err := doc.WriteToBytes()
	if err != nil {
		return nil, fmt.Errorf("samlidp: serialize response: %w", err)
	}
	return out, nil
}

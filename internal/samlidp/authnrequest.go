package samlidp

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// Limits on incoming AuthnRequests.
const (
	// MaxRequestXML bounds the decoded (and, for HTTP-Redirect, inflated)
	// AuthnRequest XML; a DEFLATE bomb stops here.
	MaxRequestXML = 128 << 10
	// MaxRequestAge is how old an IssueInstant may be (plus ClockSkew).
	MaxRequestAge = 5 * time.Minute
	// maxEncoded bounds the base64 text before decoding.
	maxEncoded = MaxRequestXML/3*4 + 8
	// maxPostBody bounds an HTTP-POST binding form body.
	maxPostBody = maxEncoded + 3*MaxRelayStateLength + 1024
)

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

// AppLookup returns the configuration of the application whose SP entity
// ID is spEntityID (compared exactly, case-sensitively). It returns a nil
// config or an error wrapping ErrUnknownServiceProvider when there is none;
// other errors are passed on to the caller of ParseAuthnRequest.
type AppLookup func(ctx context.Context, spEntityID string) (*AppConfig, error)

// ParseAuthnRequest reads an AuthnRequest sent with the HTTP-Redirect (GET)
// or HTTP-POST binding, finds its application by Issuer, and checks it:
// signature (mandatory when the application has an SP certificate),
// AssertionConsumerServiceURL, ProtocolBinding, IssueInstant within
// MaxRequestAge (and ClockSkew) of now, and Destination. Replay is checked
// separately with CheckReplay. Errors wrap ErrMalformedRequest,
// ErrUnknownServiceProvider, ErrSignature, ErrACSNotAllowed,
// ErrRequestExpired or ErrDestination (all bad input), or come from lookup.
func ParseAuthnRequest(r *http.Request, lookup AppLookup, now time.Time) (*AuthnRequest, error) {
	var (
		encoded, relayState string
		out                 AuthnRequest
		redirectQuery       string
	)
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		out.Binding = BindingHTTPRedirect
		redirectQuery = r.URL.RawQuery
		q, err := url.ParseQuery(redirectQuery)
		if err != nil {
			return nil, fmt.Errorf("%w: query: %w", ErrMalformedRequest, err)
		}
		if len(q["SAMLRequest"]) > 1 || len(q["RelayState"]) > 1 || len(q["Signature"]) > 1 || len(q["SigAlg"]) > 1 {
			return nil, fmt.Errorf("%w: repeated query parameter", ErrMalformedRequest)
		}
		encoded, relayState = q.Get("SAMLRequest"), q.Get("RelayState")
	case http.MethodPost:
		out.Binding = BindingHTTPPost
		form, err := readPostForm(r)
		if err != nil {
			return nil, err
		}
		if len(form["SAMLRequest"]) > 1 || len(form["RelayState"]) > 1 {
			return nil, fmt.Errorf("%w: repeated form field", ErrMalformedRequest)
		}
		encoded, relayState = form.Get("SAMLRequest"), form.Get("RelayState")
	default:
		return nil, fmt.Errorf("%w: method %s", ErrMalformedRequest, r.Method)
	}
	if encoded == "" {
		return nil, fmt.Errorf("%w: no SAMLRequest", ErrMalformedRequest)
	}
	if len(relayState) > MaxRelayStateLength {
		return nil, fmt.Errorf("%w: RelayState longer than %d bytes", ErrMalformedRequest, MaxRelayStateLength)
	}
	data, err := decodeMessage(encoded, out.Binding == BindingHTTPRedirect)
	if err != nil {
		return nil, err
	}
	if err := checkUntrustedXML(data); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedRequest, err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedRequest, err)
	}
	root := doc.Root()
	if root == nil || root.Tag != "AuthnRequest" || root.NamespaceURI() != "urn:oasis:names:tc:SAML:2.0:protocol" {
		return nil, fmt.Errorf("%w: not a samlp:AuthnRequest", ErrMalformedRequest)
	}
	var req saml.AuthnRequest
	if err := xml.Unmarshal(data, &req); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedRequest, err)
	}
	if req.Issuer == nil || strings.TrimSpace(req.Issuer.Value) == "" {
		return nil, fmt.Errorf("%w: no Issuer", ErrMalformedRequest)
	}
	cfg, err := lookup(r.Context(), req.Issuer.Value)
	if err == nil && cfg == nil {
		err = ErrUnknownServiceProvider
	}
	if err != nil {
		return nil, fmt.Errorf("samlidp: issuer %q: %w", req.Issuer.Value, err)
	}
	if cfg.SPEntityID != req.Issuer.Value {
		return nil, fmt.Errorf("%w: lookup of %q returned %q", ErrUnknownServiceProvider, req.Issuer.Value, cfg.SPEntityID)
	}
	if cfg.SPCertificate != nil {
		if out.Binding == BindingHTTPRedirect {
			err = verifyRedirectSignature(redirectQuery, cfg)
		} else {
			err = verifyPostSignature(root, cfg, now, &req)
		}
		if err != nil {
			return nil, err
		}
		out.Signed = true
	}
	if err := checkRequestFields(&req, cfg, now); err != nil {
		return nil, err
	}
	out.ID, out.SPEntityID, out.RelayState, out.IssueInstant, out.App = req.ID, req.Issuer.Value, relayState, req.IssueInstant, cfg
	out.ACSURL = cfg.DefaultACSURL()
	if req.AssertionConsumerServiceURL != "" {
		out.ACSURL = req.AssertionConsumerServiceURL
	}
	out.ForceAuthn = req.ForceAuthn != nil && *req.ForceAuthn
	out.IsPassive = req.IsPassive != nil && *req.IsPassive
	if req.NameIDPolicy != nil && req.NameIDPolicy.Format != nil {
		out.NameIDPolicyFormat = *req.NameIDPolicy.Format
	}
	return &out, nil
}

func checkRequestFields(req *saml.AuthnRequest, cfg *AppConfig, now time.Time) error {
	if req.Version != "2.0" {
		return fmt.Errorf("%w: Version %q", ErrMalformedRequest, req.Version)
	}
	if req.ID == "" || len(req.ID) > 256 || hasControl(req.ID) {
		return fmt.Errorf("%w: missing or invalid ID", ErrMalformedRequest)
	}
	if req.AssertionConsumerServiceURL != "" && !cfg.allowsACS(req.AssertionConsumerServiceURL) {
		return fmt.Errorf("%w: %q is not configured for %q", ErrACSNotAllowed, req.AssertionConsumerServiceURL, cfg.SPEntityID)
	}
	if req.ProtocolBinding != "" && req.ProtocolBinding != BindingHTTPPost {
		return fmt.Errorf("%w: ProtocolBinding %q (only HTTP-POST is supported)", ErrACSNotAllowed, req.ProtocolBinding)
	}
	if req.IssueInstant.IsZero() {
		return fmt.Errorf("%w: no IssueInstant", ErrMalformedRequest)
	}
	if req.IssueInstant.Before(now.Add(-MaxRequestAge-cfg.skew())) || req.IssueInstant.After(now.Add(cfg.skew())) {
		return fmt.Errorf("%w: IssueInstant %s, now %s", ErrRequestExpired, req.IssueInstant.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if req.Destination != "" && req.Destination != cfg.IdPSSOURL {
		return fmt.Errorf("%w: %q", ErrDestination, req.Destination)
	}
	return nil
}

func readPostForm(r *http.Request) (url.Values, error) {
	if r.PostForm != nil {
		return r.PostForm, nil
	}
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "application/x-www-form-urlencoded" {
		return nil, fmt.Errorf("%w: content type must be application/x-www-form-urlencoded", ErrMalformedRequest)
	}
	if r.Body == nil {
		return nil, fmt.Errorf("%w: empty body", ErrMalformedRequest)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPostBody+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read body: %w", ErrMalformedRequest, err)
	}
	if len(body) > maxPostBody {
		return nil, fmt.Errorf("%w: body larger than %d bytes", ErrMalformedRequest, maxPostBody)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("%w: form: %w", ErrMalformedRequest, err)
	}
	return form, nil
}

// decodeMessage undoes base64 and, for HTTP-Redirect, DEFLATE, refusing
// anything larger than MaxRequestXML.
func decodeMessage(encoded string, inflate bool) ([]byte, error) {
	if len(encoded) > maxEncoded {
		return nil, fmt.Errorf("%w: SAMLRequest longer than %d bytes", ErrMalformedRequest, maxEncoded)
	}
	encoded = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, encoded)
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(encoded); err != nil {
			return nil, fmt.Errorf("%w: SAMLRequest is not base64", ErrMalformedRequest)
		}
	}
	if !inflate {
		return raw, nil
	}
	fr := flate.NewReader(bytes.NewReader(raw))
	defer fr.Close()
	data, err := io.ReadAll(io.LimitReader(fr, MaxRequestXML+1))
	if err != nil {
		return nil, fmt.Errorf("%w: SAMLRequest is not DEFLATE data: %w", ErrMalformedRequest, err)
	}
	if len(data) > MaxRequestXML {
		return nil, fmt.Errorf("%w: inflated SAMLRequest exceeds %d bytes", ErrMalformedRequest, MaxRequestXML)
	}
	return data, nil
}

// usesSHA1 reports whether an enveloped signature of root names SHA-1 as
// its signature or digest method.
func usesSHA1(root *etree.Element) bool {
	for _, sig := range root.ChildElements() {
		if sig.Tag != "Signature" || sig.NamespaceURI() != dsig.Namespace {
			continue
		}
		for _, path := range []string{"./SignedInfo/SignatureMethod", "./SignedInfo/Reference/DigestMethod"} {
			for _, el := range sig.FindElements(path) {
				switch el.SelectAttrValue("Algorithm", "") {
				case dsig.RSASHA1SignatureMethod, dsig.ECDSASHA1SignatureMethod, "http://www.w3.org/2000/09/xmldsig#sha1":
					return true
				}
			}
		}
	}
	return false
}

// verifyPostSignature checks the enveloped signature of an HTTP-POST
// AuthnRequest with the SP certificate only (KeyInfo may name no other key)
// and re-reads the request from the verified element. The certificate's
// validity period is not enforced: it is a pinned key, not a PKI.
func verifyPostSignature(root *etree.Element, cfg *AppConfig, now time.Time, req *saml.AuthnRequest) error {
	if usesSHA1(root) && cfg.Signature != RSASHA1 {
		return fmt.Errorf("%w: SHA-1 is refused unless the application uses RSA-SHA1", ErrSignature)
	}
	cert := cfg.SPCertificate
	at := now
	if at.Before(cert.NotBefore) {
		at = cert.NotBefore
	} else if at.After(cert.NotAfter) {
		at = cert.NotAfter
	}
	vctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
	vctx.Clock = dsig.NewFakeClockAt(at)
	verified, err := vctx.Validate(root)
	if err != nil {
		if errors.Is(err, dsig.ErrMissingSignature) {
			return fmt.Errorf("%w: the application requires signed AuthnRequests", ErrSignature)
		}
		return fmt.Errorf("%w: %w", ErrSignature, err)
	}
	doc := etree.NewDocument()
	doc.SetRoot(verified)
	data, err := doc.WriteToBytes()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedRequest, err)
	}
	var signed saml.AuthnRequest
	if err := xml.Unmarshal(data, &signed); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedRequest, err)
	}
	if signed.Issuer == nil || req.Issuer == nil || signed.Issuer.Value != req.Issuer.Value {
		return fmt.Errorf("%w: signed content differs from the request", ErrSignature)
	}
	*req = signed
	return nil
}

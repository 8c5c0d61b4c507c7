package samlsp

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
)

const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"
	bearer      = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
)

// HandleACS reads the SAMLResponse and RelayState of an HTTP-POST binding
// request to the ACS URL, verifies the response and returns the login.
//
// The caller need not parse the form; HandleACS reads at most about 800 KiB
// of body and refuses a SAMLResponse over MaxResponseSize. A rejected
// response gives a *ResponseError (answer 4xx; it matches one Err* reason
// with errors.Is); any other error is a store failure (answer 5xx). A
// response is accepted at most once: its assertion ID is recorded in
// Config.Replay and its InResponseTo taken from Config.Requests.
func (sp *SP) HandleACS(r *http.Request) (*Login, error) {
	form, err := readForm(r)
	if err != nil {
		return nil, err
	}
	if form.Has("SAMLart") || form.Has("SigAlg") || form.Has("Signature") {
		return nil, reject(ErrUnsupported, errors.New("only the HTTP-POST binding is supported"))
	}
	values := form["SAMLResponse"]
	if len(values) != 1 || values[0] == "" {
		return nil, reject(ErrMalformed, errors.New("the form needs exactly one SAMLResponse"))
	}
	if len(values[0]) > MaxResponseSize {
		return nil, reject(ErrTooLarge, fmt.Errorf("SAMLResponse is %d bytes", len(values[0])))
	}
	if len(form["RelayState"]) > 1 {
		return nil, reject(ErrMalformed, errors.New("more than one RelayState"))
	}
	relayState := form.Get("RelayState")
	if len(relayState) > MaxRelayStateSize {
		return nil, reject(ErrTooLarge, fmt.Errorf("RelayState is %d bytes", len(relayState)))
	}
	raw, err := base64.StdEncoding.DecodeString(values[0])
	if err != nil {
		return nil, reject(ErrMalformed, fmt.Errorf("SAMLResponse base64: %w", err))
	}
	login, err := sp.verify(r.Context(), raw)
	if err != nil {
		return nil, err
	}
	login.RelayState = relayState
	return login, nil
}

// readForm returns the POST form of r, reading a bounded body unless the
// caller has parsed the form already.
func readForm(r *http.Request) (url.Values, error) {
	if r.Method != http.MethodPost {
		return nil, reject(ErrMalformed, fmt.Errorf("method %s, want POST", r.Method))
	}
	if r.PostForm != nil {
		return r.PostForm, nil
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, reject(ErrMalformed, fmt.Errorf("content type %q, want application/x-www-form-urlencoded", r.Header.Get("Content-Type")))
	}
	if r.Body == nil {
		return nil, reject(ErrMalformed, errors.New("no body"))
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxFormSize+1))
	if err != nil {
		return nil, reject(ErrMalformed, fmt.Errorf("read body: %w", err))
	}
	if len(body) > maxFormSize {
		return nil, reject(ErrTooLarge, fmt.Errorf("form body over %d bytes", maxFormSize))
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, reject(ErrMalformed, fmt.Errorf("form: %w", err))
	}
	return form, nil
}

// envelope is what verify reads from the Response before crewjam/saml
// checks it. None of it is trusted: it only selects the request IDs to
// offer crewjam and classifies errors; the verified values come later.
type envelope struct {
	destination  string
	inResponseTo string
	signed       bool     // the Response has a ds:Signature child
	assertSigned bool     // the Assertion has a ds:Signature child
	assertionIRT []string // InResponseTo of each SubjectConfirmationData
}

// peek parses the response and checks its shape.
func peek(raw []byte) (envelope, error) {
	var env envelope
	if err := checkXML(raw, false); err != nil {
		return env, reject(ErrMalformed, err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		return env, reject(ErrMalformed, err)
	}
	root := doc.Root()
	if root == nil || root.Tag != "Response" || root.NamespaceURI() != nsProtocol {
		return env, reject(ErrMalformed, errors.New("the root element is not a samlp:Response"))
	}
	for _, el := range root.FindElements("//*") {
		switch el.Tag {
		case "EncryptedAssertion", "EncryptedID", "EncryptedAttribute":
			if el.NamespaceURI() == nsAssertion {
				return env, reject(ErrUnsupported, fmt.Errorf("%s is not supported", el.Tag))
			}
		}
	}
	var assertions []*etree.Element
	for _, el := range root.ChildElements() {
		switch {
		case el.Tag == "Assertion" && el.NamespaceURI() == nsAssertion:
			assertions = append(assertions, el)
		case el.Tag == "Signature" && el.NamespaceURI() == nsDSig:
			env.signed = true
		}
	}
	if len(assertions) != 1 {
		return env, reject(ErrMalformed, fmt.Errorf("the Response has %d Assertions, want exactly 1", len(assertions)))
	}
	for _, el := range assertions[0].ChildElements() {
		if el.Tag == "Signature" && el.NamespaceURI() == nsDSig {
			env.assertSigned = true
		}
	}
	env.destination = root.SelectAttrValue("Destination", "")
	env.inResponseTo = root.SelectAttrValue("InResponseTo", "")
	for _, el := range assertions[0].FindElements("./Subject/SubjectConfirmation/SubjectConfirmationData") {
		if irt := el.SelectAttrValue("InResponseTo", ""); irt != "" {
			env.assertionIRT = append(env.assertionIRT, irt)
		}
	}
	return env, nil
}

// verify checks a decoded SAML Response and, if it is accepted, consumes
// its assertion ID and its request.
func (sp *SP) verify(ctx context.Context, raw []byte) (*Login, error) {
	env, err := peek(raw)
	if err != nil {
		return nil, err
	}
	if !env.signed && !env.assertSigned {
		return nil, reject(ErrBadSignature, errors.New("neither the Response nor the Assertion is signed"))
	}
	// Destination is checked here, before crewjam/saml, so that a wrong
	// Destination and a wrong Recipient (which crewjam classifies alike)
	// are told apart. crewjam checks it again on the signed Response.
	if env.destination != "" && env.destination != sp.cfg.ACSURL {
		return nil, reject(ErrWrongDestination, fmt.Errorf("Destination %q is not the ACS URL", env.destination))
	}
	if env.signed && env.destination == "" {
		return nil, reject(ErrWrongDestination, errors.New("a signed Response must carry a Destination"))
	}
	if env.inResponseTo == "" && !sp.cfg.AllowIdPInitiated {
		return nil, reject(ErrUnsolicited, errors.New("the Response has no InResponseTo and IdP-initiated login is not allowed"))
	}
	var offered []string
	if env.inResponseTo != "" {
		offered = append(offered, env.inResponseTo)
	} else {
		offered = append(offered, env.assertionIRT...)
	}

	now := sp.cfg.Now()
	assertion, err := sp.serviceProvider(now).ParseXMLResponse(raw, offered, sp.acsURL)
	if err != nil {
		cause := err
		var ire *saml.InvalidResponseError
		if errors.As(err, &ire) && ire.PrivateErr != nil {
			cause = ire.PrivateErr
		}
		return nil, reject(classify(cause), cause)
	}

	requestID, err := sp.checkAssertion(assertion, env, now)
	if err != nil {
		return nil, err
	}

	// The assertion is valid. Record it, then take its request: a replayed
	// response is reported as a replay, and an assertion whose request is
	// unknown cannot be used later either.
	ok, err := sp.cfg.Replay.MarkAssertionUsed(ctx, assertion.ID, replayUntil(assertion))
	if err != nil {
		return nil, fmt.Errorf("samlsp: replay store: %w", err)
	}
	if !ok {
		return nil, reject(ErrReplay, fmt.Errorf("assertion %q was used before", assertion.ID))
	}
	if requestID != "" {
		ok, err := sp.cfg.Requests.TakeRequest(ctx, requestID)
		if err != nil {
			return nil, fmt.Errorf("samlsp: request store: %w", err)
		}
		if !ok {
			return nil, reject(ErrUnknownRequest, fmt.Errorf("InResponseTo %q is not an outstanding request", requestID))
		}
	}
	login := newLogin(assertion)
	login.InResponseTo = requestID
	login.IdPInitiated = requestID == ""
	return login, nil
}

// checkAssertion adds to crewjam/saml's checks: the configured (smaller)
// clock skew, an ID and NameID, and one InResponseTo for the whole
// response. It returns the request the response answers ("" if
// unsolicited).
func (sp *SP) checkAssertion(a *saml.Assertion, env envelope, now time.Time) (string, error) {
	skew := sp.cfg.ClockSkew
	if a.ID == "" {
		return "", reject(ErrMalformed, errors.New("assertion has no ID"))
	}
	if a.Subject == nil || a.Subject.NameID == nil || a.Subject.NameID.Value == "" {
		return "", reject(ErrMalformed, errors.New("assertion has no NameID"))
	}
	if a.Conditions == nil {
		return "", reject(ErrMalformed, errors.New("assertion has no Conditions"))
	}
	if a.Conditions.NotBefore.Add(-skew).After(now) {
		return "", reject(ErrNotYetValid, fmt.Errorf("Conditions NotBefore %s", a.Conditions.NotBefore))
	}
	if !a.Conditions.NotOnOrAfter.IsZero() && !now.Before(a.Conditions.NotOnOrAfter.Add(skew)) {
		return "", reject(ErrExpired, fmt.Errorf("Conditions NotOnOrAfter %s", a.Conditions.NotOnOrAfter))
	}
	// One bearer confirmation must pass every check (crewjam accepts the
	// assertion if one does, with its larger skew).
	var irts []string
	var firstErr error
	found := false
	for _, sc := range a.Subject.SubjectConfirmations {
		d := sc.SubjectConfirmationData
		if sc.Method != bearer || d == nil {
			continue
		}
		var err error
		switch {
		case d.Recipient != sp.cfg.ACSURL:
			err = reject(ErrWrongRecipient, fmt.Errorf("Recipient %q", d.Recipient))
		case d.NotBefore.Add(-skew).After(now):
			err = reject(ErrNotYetValid, fmt.Errorf("SubjectConfirmationData NotBefore %s", d.NotBefore))
		case !now.Before(d.NotOnOrAfter.Add(skew)):
			err = reject(ErrExpired, fmt.Errorf("SubjectConfirmationData NotOnOrAfter %s", d.NotOnOrAfter))
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		found = true
		irts = append(irts, d.InResponseTo)
	}
	if !found {
		if firstErr == nil {
			firstErr = reject(ErrMalformed, errors.New("no bearer SubjectConfirmation"))
		}
		return "", firstErr
	}
	// The Response InResponseTo was checked by crewjam against the one
	// offered, and each accepted confirmation's against it. All must agree.
	requestID := env.inResponseTo
	for _, irt := range irts {
		if requestID == "" {
			requestID = irt
		}
		if irt != requestID {
			return "", reject(ErrUnknownRequest, fmt.Errorf("InResponseTo %q and %q disagree", irt, requestID))
		}
	}
	if requestID == "" && !sp.cfg.AllowIdPInitiated {
		return "", reject(ErrUnsolicited, errors.New("no InResponseTo"))
	}
	return requestID, nil
}

// replayUntil is when the replay record of a may be dropped: after every
// deadline crewjam/saml and this package apply to it, with the largest
// skew. Recording longer than needed is harmless.
func replayUntil(a *saml.Assertion) time.Time {
	until := a.IssueInstant.Add(saml.MaxIssueDelay)
	if a.Conditions != nil && a.Conditions.NotOnOrAfter.After(until) {
		until = a.Conditions.NotOnOrAfter
	}
	if a.Subject != nil {
		for _, sc := range a.Subject.SubjectConfirmations {
			if d := sc.SubjectConfirmationData; d != nil && d.NotOnOrAfter.After(until) {
				until = d.NotOnOrAfter
			}
		}
	}
	return until.Add(saml.MaxClockSkew)
}

package lifecycle

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
)

var nameIDFormats = map[string]samlidp.NameIDFormat{
	directory.NameIDEmailAddress: samlidp.NameIDEmailAddress,
	directory.NameIDUnspecified:  samlidp.NameIDUnspecified,
	directory.NameIDPersistent:   samlidp.NameIDPersistent,
	directory.NameIDTransient:    samlidp.NameIDTransient,
}

var signatures = map[string]samlidp.SignatureAlgorithm{
	directory.SigRSASHA256:   samlidp.RSASHA256,
	directory.SigRSASHA1:     samlidp.RSASHA1,
	directory.SigECDSASHA256: samlidp.ECDSASHA256,
}

// samlFields maps samlidp.AppConfig field names to the API's.
var samlFields = map[string]string{
	"IdPEntityID": "idpEntityId", "IdPSSOURL": "idpUrl", "SPEntityID": "spEntityId", "ACSURLs": "acsUrls",
	"NameIDFormat": "nameIdFormat", "Sign": "sign", "DefaultRelayState": "defaultRelayState",
	"Signature": "signatureAlgorithm", "Key": "keys", "SPCertificate": "spCertificate",
}

func apiField(samlField string) string {
	name, rest, _ := strings.Cut(samlField, "[")
	if f, ok := samlFields[name]; ok {
		if rest != "" {
			return f + "[" + rest
		}
		return f
	}
	return samlField
}

// checkJIT enforces the JIT rule against the current settings: each
// JIT-required attribute keeps its position and service provider name (its
// source and enabled flag may change); jitRequired itself is read-only.
func checkJIT(cur, next []directory.AttributeStatement) error {
	var fe []directory.FieldError
	for i, c := range cur {
		if !c.JITRequired {
			continue
		}
		if i >= len(next) || next[i].Name != c.Name {
			fe = append(fe, directory.FieldError{Field: fmt.Sprintf("attributes[%d].name", i),
				Reason: fmt.Sprintf("%q is required for JIT provisioning: its service provider name cannot be changed or removed (turn it off with enabled=false)", c.Name)})
		}
	}
	for i := range next {
		jitSlot := i < len(cur) && cur[i].JITRequired
		want := jitSlot && next[i].Name == cur[i].Name
		if next[i].JITRequired && !jitSlot {
			fe = append(fe, directory.FieldError{Field: fmt.Sprintf("attributes[%d].jitRequired", i), Reason: "is read-only (set by the application template)"})
		}
		next[i].JITRequired = want
	}
	if len(fe) > 0 {
		return directory.Invalid(fe...)
	}
	return nil
}

// PutAppSSO replaces an app's SSO settings after checking them: the
// domain rules, the JIT rule, the SP certificate, the signature algorithm
// against the active key, and, once the SP side is filled in,
// samlidp.ValidateAppConfig. Settings equal to the current ones write
// nothing. EINVALID names fields; EPRECONDITION for apps without SAML.
func (s *Service) PutAppSSO(ctx context.Context, actor directory.Actor, appID string, in directory.AppSSO) (*directory.AppSSO, error) {
	in.ACSURLs = append([]string(nil), in.ACSURLs...)
	in.Attributes = append([]directory.AttributeStatement(nil), in.Attributes...)
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var spCert *x509.Certificate
	if in.SPCertificate != "" {
		var err error
		if spCert, err = samlidp.ParseCertificatePEM([]byte(in.SPCertificate)); err != nil {
			return nil, directory.Invalid(directory.FieldError{Field: "spCertificate", Reason: "is not a PEM X.509 certificate"})
		}
	}
	var out directory.AppSSO
	err := s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		a, err := samlApp(tx, ctx, appID)
		if err != nil {
			return nil, err
		}
		cur, err := tx.GetAppSSO(ctx, appID)
		if err != nil {
			return nil, err
		}
		if err := checkJIT(cur.Attributes, in.Attributes); err != nil {
			return nil, err
		}
		keys, err := tx.ListAppKeys(ctx, appID)
		if err != nil {
			return nil, err
		}
		if len(keys) > 0 && keys[0].Status == directory.KeyActive {
			ec := isEC(&keys[0])
			if ec != (in.SignatureAlgorithm == directory.SigECDSASHA256) {
				reason := "must be RSA-SHA256 or RSA-SHA1 for the app's RSA key"
				if ec {
					reason = "must be ECDSA-SHA256 for the app's EC key"
				}
				return nil, directory.Invalid(directory.FieldError{Field: "signatureAlgorithm", Reason: reason})
			}
		}
		if in.Configured() {
			cfg := samlidp.AppConfig{IdPEntityID: in.IdPEntityID, IdPSSOURL: a.IdPURL, SPEntityID: in.SPEntityID,
				ACSURLs: in.ACSURLs, SPCertificate: spCert, NameIDFormat: nameIDFormats[in.NameIDFormat],
				Signature: signatures[in.SignatureAlgorithm], Sign: samlidp.SignMode(in.Sign), DefaultRelayState: in.DefaultRelayState}
			if err := validateWithoutKey(cfg); err != nil {
				return nil, err
			}
		}
		fields := diffSSO(cur, &in)
		if len(fields) == 0 {
			out = *cur
			return nil, nil
		}
		now := s.now()
		in.UpdatedAt = now
		if err := tx.PutAppSSO(ctx, appID, &in); err != nil {
			return nil, err
		}
		out = in
		return []directory.Change{appChange(actor, directory.AppSSOUpdated, a, now, fields)}, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// validateWithoutKey runs samlidp.ValidateAppConfig on everything but the
// key (checked separately), mapping its field names to the API's.
func validateWithoutKey(cfg samlidp.AppConfig) error {
	err := samlidp.ValidateAppConfig(cfg)
	var fe *samlidp.FieldError
	if err == nil || !errors.As(err, &fe) || fe.Field == "Key" {
		return nil
	}
	return directory.Invalid(directory.FieldError{Field: apiField(fe.Field), Reason: fe.Message})
}

func diffSSO(a, b *directory.AppSSO) []directory.FieldChange {
	var out []directory.FieldChange
	cmp := func(field, x, y string) {
		if x != y {
			out = append(out, directory.FieldChange{Field: field, From: x, To: y})
		}
	}
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	cmp("idpEntityId", a.IdPEntityID, b.IdPEntityID)
	cmp("spEntityId", a.SPEntityID, b.SPEntityID)
	cmp("acsUrls", js(a.ACSURLs), js(b.ACSURLs))
	if a.SPCertificate != b.SPCertificate {
		out = append(out, directory.FieldChange{Field: "spCertificate", From: certSummary(a.SPCertificate), To: certSummary(b.SPCertificate)})
	}
	cmp("nameIdAttribute", a.NameIDAttribute, b.NameIDAttribute)
	cmp("nameIdFormat", a.NameIDFormat, b.NameIDFormat)
	cmp("signatureAlgorithm", a.SignatureAlgorithm, b.SignatureAlgorithm)
	cmp("sign", a.Sign, b.Sign)
	cmp("defaultRelayState", a.DefaultRelayState, b.DefaultRelayState)
	cmp("attributes", js(a.Attributes), js(b.Attributes))
	cmp("groupsAttribute", a.GroupsAttribute, b.GroupsAttribute)
	return out
}

func certSummary(pemText string) string {
	if pemText == "" {
		return ""
	}
	if c, err := samlidp.ParseCertificatePEM([]byte(pemText)); err == nil {
		return "CN=" + c.Subject.CommonName + " until " + c.NotAfter.UTC().Format("2006-01-02")
	}
	return "(certificate)"
}

// ImportSPMetadata fills the SP entity ID, ACS URLs, SP certificate and
// NameID format from SP metadata XML (samlidp.ParseSPMetadata: size-limited,
// no DTDs, http(s) ACS only) and saves the settings as PutAppSSO does.
// EINVALID names "metadata" when the document is refused.
func (s *Service) ImportSPMetadata(ctx context.Context, actor directory.Actor, appID string, xml []byte) (*directory.AppSSO, error) {
	md, err := samlidp.ParseSPMetadata(xml)
	if err != nil {
		reason := strings.TrimPrefix(err.Error(), samlidp.ErrInvalidMetadata.Error()+": ")
		return nil, directory.Invalid(directory.FieldError{Field: "metadata", Reason: reason})
	}
	var cur *directory.AppSSO
	if err := s.Store.View(ctx, func(tx directory.Tx) error {
		if _, err := samlApp(tx, ctx, appID); err != nil {
			return err
		}
		cur, err = tx.GetAppSSO(ctx, appID)
		return err
	}); err != nil {
		return nil, err
	}
	next := *cur
	next.SPEntityID, next.ACSURLs = md.EntityID, md.ACSURLs
	if md.SigningCertificate != nil {
		next.SPCertificate = string(samlidp.EncodeCertificatePEM(md.SigningCertificate))
	}
	for short, uri := range nameIDFormats {
		if md.NameIDFormat == uri {
			next.NameIDFormat = short
		}
	}
	return s.PutAppSSO(ctx, actor, appID, next)
}

// SAMLApp is everything the SSO endpoints need about one application.
type SAMLApp struct {
	App    directory.App
	SSO    directory.AppSSO
	Config *samlidp.AppConfig // with the opened signing key
}

// SAMLConfig builds the samlidp.AppConfig of an app, its signing key opened
// and a prepared next certificate included. EPRECONDITION when the app has
// no SAML, its SSO is deactivated or its SP side is not configured;
// ENOTFOUND for an unknown app.
func (s *Service) SAMLConfig(ctx context.Context, appID string) (*samlidp.AppConfig, error) {
	sa, err := s.loadSAMLApp(ctx, func(tx directory.Tx) (*directory.App, error) { return tx.GetApp(ctx, appID) }, true)
	if err != nil {
		return nil, err
	}
	return sa.Config, nil
}

// SAMLAppBySlug is SAMLConfig for the app named in an IdP URL
// (/saml2/<slug>), with the app and its SSO settings (attribute
// statements) as well.
func (s *Service) SAMLAppBySlug(ctx context.Context, slug string) (*SAMLApp, error) {
	return s.loadSAMLApp(ctx, func(tx directory.Tx) (*directory.App, error) { return tx.GetAppBySlug(ctx, slug) }, true)
}

func (s *Service) loadSAMLApp(ctx context.Context, get func(directory.Tx) (*directory.App, error), forSSO bool) (*SAMLApp, error) {
	var sa SAMLApp
	var keys []directory.AppKey
	err := s.Store.View(ctx, func(tx directory.Tx) error {
		a, err := get(tx)
		if err != nil {
			return err
		}
		if _, err := samlApp(tx, ctx, a.ID); err != nil {
			return err
		}
		sso, err := tx.GetAppSSO(ctx, a.ID)
		if err != nil {
			return err
		}
		sa.App, sa.SSO = *a, *sso
		keys, err = tx.ListAppKeys(ctx, a.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if forSSO && !sa.App.SSOActive {
		return nil, directory.Errorf(directory.EPRECONDITION, "single sign-on to %q is deactivated", sa.App.Label)
	}
	if forSSO && !sa.SSO.Configured() {
		return nil, directory.Errorf(directory.EPRECONDITION, "single sign-on to %q is not configured: set spEntityId and acsUrls", sa.App.Label)
	}
	cfg := &samlidp.AppConfig{IdPEntityID: sa.SSO.IdPEntityID, IdPSSOURL: sa.App.IdPURL, SPEntityID: sa.SSO.SPEntityID,
		ACSURLs: sa.SSO.ACSURLs, NameIDAttribute: sa.SSO.NameIDAttribute, NameIDFormat: nameIDFormats[sa.SSO.NameIDFormat],
		Signature: signatures[sa.SSO.SignatureAlgorithm], Sign: samlidp.SignMode(sa.SSO.Sign), DefaultRelayState: sa.SSO.DefaultRelayState}
	if sa.SSO.SPCertificate != "" {
		if cfg.SPCertificate, err = samlidp.ParseCertificatePEM([]byte(sa.SSO.SPCertificate)); err != nil {
			return nil, fmt.Errorf("lifecycle: SP certificate of app %s: %w", sa.App.ID, err)
		}
	}
	var next *x509.Certificate
	for i := range keys {
		switch keys[i].Status {
		case directory.KeyActive:
			if cfg.Key, err = s.openKey(&keys[i]); err != nil {
				return nil, err
			}
		case directory.KeyNext:
			if next, err = samlidp.ParseCertificatePEM([]byte(keys[i].CertificatePEM)); err != nil {
				return nil, fmt.Errorf("lifecycle: next certificate of app %s: %w", sa.App.ID, err)
			}
		}
	}
	if cfg.Key == nil {
		return nil, directory.Errorf(directory.EPRECONDITION, "application %q has no active signing key: regenerate one", sa.App.Label)
	}
	cfg.Key.NextCertificate = next
	sa.Config = cfg
	return &sa, nil
}

// Placeholders that let metadata be exported before the SP side is known:
// the IdP metadata does not contain them.
const (
	placeholderSPEntityID = "urn:jumpgate:sp-not-configured"
	placeholderACSURL     = "https://sp-not-configured.invalid/acs"
)

// Metadata returns an app's IdP metadata (SingleSignOnService at the IdP URL
// for HTTP-Redirect and HTTP-POST, the signing certificate and, during a
// rotation, the next one) and its download filename
// (Jumpgate-<label>-metadata.xml). It works before the SP side is
// configured and while SSO is deactivated.
func (s *Service) Metadata(ctx context.Context, appID string) ([]byte, string, error) {
	sa, err := s.loadSAMLApp(ctx, func(tx directory.Tx) (*directory.App, error) { return tx.GetApp(ctx, appID) }, false)
	if err != nil {
		return nil, "", err
	}
	cfg := *sa.Config
	if cfg.SPEntityID == "" {
		cfg.SPEntityID = placeholderSPEntityID
	}
	if len(cfg.ACSURLs) == 0 {
		cfg.ACSURLs = []string{placeholderACSURL}
	}
	xml, err := samlidp.Metadata(cfg)
	if err != nil {
		return nil, "", fmt.Errorf("lifecycle: metadata of app %s: %w", appID, err)
	}
	return xml, MetadataFilename(&sa.App), nil
}

// AssertionAttributes resolves an app's NameID value and attribute
// statements for a user: enabled statements only, each from its directory
// attribute or constant, empty values left out; plus the groups attribute
// with groupNames when the app has one.
func AssertionAttributes(sso *directory.AppSSO, u *directory.User, groupNames []string) (nameID string, attrs []samlidp.Attribute) {
	nameID, _ = directory.UserAttribute(u, sso.NameIDAttribute)
	for _, a := range sso.Attributes {
		if !a.Enabled {
			continue
		}
		v := a.Source.Constant
		if a.Source.Attribute != "" {
			v, _ = directory.UserAttribute(u, a.Source.Attribute)
		}
		if v == "" {
			continue
		}
		attrs = append(attrs, samlidp.Attribute{Name: a.Name, Values: []string{v}})
	}
	if sso.GroupsAttribute != "" && len(groupNames) > 0 {
		attrs = append(attrs, samlidp.Attribute{Name: sso.GroupsAttribute, Values: append([]string(nil), groupNames...)})
	}
	return nameID, attrs
}

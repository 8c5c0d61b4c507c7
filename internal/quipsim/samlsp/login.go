package samlsp

import (
	"net/mail"
	"strings"

	"github.com/crewjam/saml"
)

// Login is an accepted SAML login. Every field except RelayState comes from
// the verified assertion.
type Login struct {
	// NameID and NameIDFormat identify the subject.
	NameID       string
	NameIDFormat string
	// Email is the first value of an e-mail attribute (email, mail,
	// emailAddress, urn:oid:0.9.2342.19200300.100.1.3, the WS-Federation
	// emailaddress claim; matched case-insensitively on Name or
	// FriendlyName), or else the NameID when its format is emailAddress,
	// or unspecified and the NameID is a bare e-mail address. It may be
	// empty.
	Email string
	// FirstName, LastName and DisplayName come from the usual attribute
	// names (firstname/givenName/urn:oid:2.5.4.42,
	// lastname/sn/surname/familyName/urn:oid:2.5.4.4,
	// displayName/urn:oid:2.16.840.1.113730.3.1.241, then cn/urn:oid:2.5.4.3).
	// They may be empty.
	FirstName   string
	LastName    string
	DisplayName string
	// SessionIndex is the IdP session of the first AuthnStatement.
	SessionIndex string
	// InResponseTo is the AuthnRequest ID this login answers; empty for an
	// IdP-initiated login.
	InResponseTo string
	// RelayState is the RelayState form value, unauthenticated: validate
	// it before using it (e.g. as a local redirect path).
	RelayState string
	// Attributes holds every attribute value by attribute Name.
	Attributes map[string][]string
	// IdPInitiated is true for an unsolicited response.
	IdPInitiated bool
}

var (
	emailAttrs = []string{"email", "mail", "emailaddress", "e-mail", "urn:oid:0.9.2342.19200300.100.1.3",
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"}
	firstNameAttrs = []string{"firstname", "first_name", "givenname", "given_name", "urn:oid:2.5.4.42",
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"}
	lastNameAttrs = []string{"lastname", "last_name", "sn", "surname", "familyname", "family_name", "urn:oid:2.5.4.4",
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"}
	displayNameAttrs = []string{"displayname", "display_name", "urn:oid:2.16.840.1.113730.3.1.241",
		"cn", "commonname", "urn:oid:2.5.4.3"}
)

func newLogin(a *saml.Assertion) *Login {
	l := &Login{
		NameID:       a.Subject.NameID.Value,
		NameIDFormat: a.Subject.NameID.Format,
		Attributes:   map[string][]string{},
	}
	if len(a.AuthnStatements) > 0 {
		l.SessionIndex = a.AuthnStatements[0].SessionIndex
	}
	var attrs []saml.Attribute
	for _, st := range a.AttributeStatements {
		attrs = append(attrs, st.Attributes...)
	}
	for _, at := range attrs {
		for _, v := range at.Values {
			l.Attributes[at.Name] = append(l.Attributes[at.Name], v.Value)
		}
	}
	l.Email = firstValue(attrs, emailAttrs)
	if l.Email == "" && isEmailNameID(l.NameID, l.NameIDFormat) {
		l.Email = l.NameID
	}
	l.FirstName = firstValue(attrs, firstNameAttrs)
	l.LastName = firstValue(attrs, lastNameAttrs)
	l.DisplayName = firstValue(attrs, displayNameAttrs)
	return l
}

// firstValue returns the first non-empty value of the first attribute,
// in the order of names, whose Name or FriendlyName is one of names.
func firstValue(attrs []saml.Attribute, names []string) string {
	for _, name := range names {
		for _, at := range attrs {
			if !strings.EqualFold(at.Name, name) && !strings.EqualFold(at.FriendlyName, name) {
				continue
			}
			for _, v := range at.Values {
				if s := strings.TrimSpace(v.Value); s != "" {
					return s
				}
			}
		}
	}
	return ""
}

func isEmailNameID(value, format string) bool {
	switch format {
	case string(saml.EmailAddressNameIDFormat):
		return true
	case "", string(saml.UnspecifiedNameIDFormat):
		addr, err := mail.ParseAddress(value)
		return err == nil && addr.Address == value
	}
	return false
}

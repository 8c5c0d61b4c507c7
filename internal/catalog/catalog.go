package catalog

import (
	"sort"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// Identity management (SCIM) kinds a template can offer.
const (
	IdMQuip = "quip" // Quip's SCIM 2.0 profile
	IdMSCIM = "scim" // a generic RFC 7644 service provider
)

// Capabilities says what an application made from a template can do.
type Capabilities struct {
	SSOSAML  bool `json:"ssoSaml"`
	Bookmark bool `json:"bookmark"`
	// IdentityManagement is the SCIM kind ("quip", "scim"), "" when none.
	IdentityManagement string `json:"identityManagement,omitempty"`
}

// Template is one entry of the catalog. New applications copy its default
// attribute statements and NameID choice.
type Template struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	Description  string       `json:"description"`
	Capabilities Capabilities `json:"capabilities"`
	// SPEntityIDHint and ACSURLHint tell the admin what the service
	// provider expects ({domain} stands for the customer's subdomain).
	SPEntityIDHint string `json:"spEntityIdHint,omitempty"`
	ACSURLHint     string `json:"acsUrlHint,omitempty"`
	// NameIDAttribute and NameIDFormat are the defaults of new apps.
	NameIDAttribute string `json:"nameIdAttribute,omitempty"`
	NameIDFormat    string `json:"nameIdFormat,omitempty"`
	// Attributes are prefilled; those with JITRequired keep their names.
	Attributes []directory.AttributeStatement `json:"attributes"`
	// IdMBaseURLPattern is the SCIM base URL to paste, for templates with
	// identity management.
	IdMBaseURLPattern string `json:"idmBaseUrlPattern,omitempty"`
	Help              string `json:"help"`
}

func attr(name, source string, enabled, jit bool) directory.AttributeStatement {
	return directory.AttributeStatement{Name: name, Source: directory.AttributeSource{Attribute: source}, Enabled: enabled, JITRequired: jit}
}

// templates is the catalog. Add an application by appending a value.
var templates = []Template{
	{
		ID:              "quip",
		Name:            "Quip",
		Description:     "Quip documents, spreadsheets and chat: SAML single sign-on with JIT provisioning and SCIM 2.0 identity management.",
		Capabilities:    Capabilities{SSOSAML: true, IdentityManagement: IdMQuip},
		SPEntityIDHint:  "Quip's SP entity ID from its SP metadata, e.g. https://{domain}.quip.com (case-sensitive)",
		ACSURLHint:      "https://{domain}.quip.com/saml/acs (from Quip's SP metadata)",
		NameIDAttribute: "email",
		NameIDFormat:    directory.NameIDEmailAddress,
		Attributes: []directory.AttributeStatement{
			attr("email", "email", true, true),
			attr("firstname", "firstname", true, true),
			attr("lastname", "lastname", true, true),
			attr("displayName", "displayName", false, false),
		},
		IdMBaseURLPattern: "https://{domain}.quip.com/business/admin/scim",
		Help: "Export the IdP metadata and send it to Quip to enable SAML for your company. Quip matches users by " +
			"e-mail address, which must equal the Quip account's e-mail exactly. For identity management, get a token " +
			"at {domain}.quip.com/business/admin/scim (Enterprise only) and use https://{domain}.quip.com/business/admin/scim as the base URL.",
	},
	{
		ID:              "custom-saml",
		Name:            "Custom SAML App",
		Description:     "Any SAML 2.0 service provider: enter its entity ID and ACS URLs or import its metadata.",
		Capabilities:    Capabilities{SSOSAML: true},
		SPEntityIDHint:  "The service provider's entity ID (case-sensitive)",
		ACSURLHint:      "The service provider's AssertionConsumerService URL(s), HTTP-POST binding",
		NameIDAttribute: "email",
		NameIDFormat:    directory.NameIDEmailAddress,
		Attributes:      []directory.AttributeStatement{},
		Help:            "Fill in the SP entity ID and ACS URLs, or import the SP metadata, then export the IdP metadata for the service provider.",
	},
	{
		ID:                "custom-scim",
		Name:              "Custom SCIM App",
		Description:       "Provision users and groups to any SCIM 2.0 (RFC 7644) service provider.",
		Capabilities:      Capabilities{IdentityManagement: IdMSCIM},
		Attributes:        []directory.AttributeStatement{},
		IdMBaseURLPattern: "https://{host}/scim/v2",
		Help:              "Enter the SCIM base URL and a bearer token of the service provider in the Identity Management settings.",
	},
	{
		ID:           "bookmark",
		Name:         "Bookmark",
		Description:  "A link in the user console to an application's sign-in page.",
		Capabilities: Capabilities{Bookmark: true},
		Attributes:   []directory.AttributeStatement{},
		Help:         "Enter the application's sign-in URL as the bookmark URL.",
	},
}

// All returns every template, ordered by name. The result is a copy.
func All() []Template { return Search("") }

// Search returns the templates whose name contains q, case-insensitively,
// ordered by name ("" matches all). The result is a copy.
func Search(q string) []Template {
	q = strings.ToLower(strings.TrimSpace(q))
	out := []Template{}
	for _, t := range templates {
		if strings.Contains(strings.ToLower(t.Name), q) {
			out = append(out, t.clone())
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out
}

// Get returns the template with id, or ENOTFOUND.
func Get(id string) (Template, error) {
	for _, t := range templates {
		if t.ID == id {
			return t.clone(), nil
		}
	}
	return Template{}, directory.NotFound("catalog application", id)
}

func (t Template) clone() Template {
	t.Attributes = append([]directory.AttributeStatement{}, t.Attributes...)
	return t
}

package quipsim

import (
	"net/http"

	"github.com/jumpgate-idp/jumpgate/internal/scim"
)

func str(name, desc string, caseExact bool, mut string) scim.Attribute {
	return scim.Attribute{Name: name, Type: "string", Description: desc, CaseExact: caseExact, Mutability: mut, Returned: "default", Uniqueness: "none"}
}

// userSchema is what quipsim supports of the core User schema; filters and
// PATCH paths are checked against it.
var userSchema = &scim.Schema{
	Schemas: []string{scim.SchemaSchema}, ID: scim.SchemaUser, Name: "User", Description: "Quip user",
	Attributes: []scim.Attribute{
		{Name: "userName", Type: "string", Description: "Assigned by Quip from the e-mail's local part, unique within the company; values sent are ignored.",
			Required: false, Mutability: "readWrite", Returned: "default", Uniqueness: "server"},
		{Name: "name", Type: "complex", Description: "Stored as one full name; givenName is the part before the first space, familyName the rest, formatted = givenName + \" \" + familyName.",
			Mutability: "readWrite", Returned: "default", Uniqueness: "none", SubAttributes: []scim.Attribute{
				str("formatted", "givenName + \" \" + familyName", false, "readWrite"),
				str("givenName", "", false, "readWrite"),
				str("familyName", "", false, "readWrite"),
			}},
		str("displayName", "", false, "readWrite"),
		{Name: "active", Type: "boolean", Mutability: "readWrite", Returned: "default", Uniqueness: "none",
			Description: "DELETE sets it to false. Turning it off (or off and on again) ends the user's sessions."},
		{Name: "emails", Type: "complex", MultiValued: true, Required: true, Mutability: "readWrite", Returned: "default", Uniqueness: "none",
			Description: "Unique within the company, case-insensitively. The type is always work.", SubAttributes: []scim.Attribute{
				str("value", "", false, "readWrite"),
				{Name: "type", Type: "string", Mutability: "readWrite", Returned: "default", Uniqueness: "none", CanonicalValues: []string{"work"}, Description: "Always work; values sent are ignored."},
				{Name: "primary", Type: "boolean", Mutability: "readWrite", Returned: "default", Uniqueness: "none"},
			}},
	},
}

// groupSchema is what quipsim supports of the core Group schema. Groups
// have no externalId.
var groupSchema = &scim.Schema{
	Schemas: []string{scim.SchemaSchema}, ID: scim.SchemaGroup, Name: "Group", Description: "Quip group (no PATCH, no filter, no sort, no externalId)",
	Attributes: []scim.Attribute{
		{Name: "displayName", Type: "string", Required: true, Mutability: "readWrite", Returned: "default", Uniqueness: "none"},
		{Name: "members", Type: "complex", MultiValued: true, Mutability: "readWrite", Returned: "default", Uniqueness: "none",
			SubAttributes: []scim.Attribute{
				{Name: "value", Type: "string", CaseExact: true, Mutability: "immutable", Returned: "default", Uniqueness: "none", Description: "id of a user of the same company"},
				{Name: "display", Type: "string", Mutability: "readOnly", Returned: "default", Uniqueness: "none"},
				{Name: "$ref", Type: "reference", ReferenceTypes: []string{"User"}, Mutability: "readOnly", Returned: "default", Uniqueness: "none"},
			}},
	},
}

func (s *Server) discovery(w http.ResponseWriter, r *http.Request, parts []string) {
	base := baseFrom(r.Context())
	switch parts[0] {
	case "ServiceProviderConfig":
		if len(parts) > 1 {
			scim.WriteError(w, scim.NotFound("not found"))
			return
		}
		scim.WriteJSON(w, http.StatusOK, scim.ServiceProviderConfig{
			Schemas:          []string{scim.SchemaServiceProviderConfig},
			DocumentationURI: "https://quip.com/dev/scim/documentation/current",
			Patch:            scim.Supported{Supported: true},
			Bulk:             scim.BulkSupport{},
			Filter:           scim.FilterSupport{Supported: true, MaxResults: maxCount},
			ChangePassword:   scim.Supported{},
			Sort:             scim.Supported{},
			ETag:             scim.Supported{},
			AuthenticationSchemes: []scim.AuthScheme{{Type: "oauthbearertoken", Name: "OAuth Bearer Token",
				Description: "Authorization: Bearer <token> with a token from /business/admin/scim. PATCH is supported for Users only; Groups answer PATCH with 501.",
				SpecURI:     "https://www.rfc-editor.org/info/rfc6750", Primary: true}},
			Meta: &scim.Meta{ResourceType: "ServiceProviderConfig", Location: base + "/ServiceProviderConfig"},
		})
	case "ResourceTypes":
		types := []scim.ResourceType{
			{Schemas: []string{scim.SchemaResourceType}, ID: "User", Name: "User", Endpoint: "/Users", Schema: scim.SchemaUser,
				Description: "Users: GET (filter on emails, userName, externalId and any RFC 7644 filter), POST, PUT, PATCH, DELETE (deactivates)",
				Meta:        &scim.Meta{ResourceType: "ResourceType", Location: base + "/ResourceTypes/User"}},
			{Schemas: []string{scim.SchemaResourceType}, ID: "Group", Name: "Group", Endpoint: "/Groups", Schema: scim.SchemaGroup,
				Description: "Groups: GET (no filter, no sort), POST, PUT (replaces displayName and members), DELETE; PATCH is not supported (501)",
				Meta:        &scim.Meta{ResourceType: "ResourceType", Location: base + "/ResourceTypes/Group"}},
		}
		s.discoveryList(w, parts, []any{types[0], types[1]}, []string{"User", "Group"})
	case "Schemas":
		u, g := *userSchema, *groupSchema
		u.Meta = &scim.Meta{ResourceType: "Schema", Location: base + "/Schemas/" + scim.SchemaUser}
		g.Meta = &scim.Meta{ResourceType: "Schema", Location: base + "/Schemas/" + scim.SchemaGroup}
		s.discoveryList(w, parts, []any{u, g}, []string{scim.SchemaUser, scim.SchemaGroup})
	}
}

func (s *Server) discoveryList(w http.ResponseWriter, parts []string, items []any, ids []string) {
	if len(parts) == 2 {
		for i, id := range ids {
			if id == parts[1] {
				scim.WriteJSON(w, http.StatusOK, items[i])
				return
			}
		}
		scim.WriteError(w, scim.NotFound("%q not found", parts[1]))
		return
	}
	scim.WriteJSON(w, http.StatusOK, scim.NewListResponse(len(items), 1, items))
}

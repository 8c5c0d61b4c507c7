package scim

import "strings"

// Attribute describes one attribute of a schema (RFC 7643 section 7).
type Attribute struct {
	Name            string      `json:"name"`
	Type            string      `json:"type"`
	MultiValued     bool        `json:"multiValued"`
	Description     string      `json:"description,omitempty"`
	Required        bool        `json:"required"`
	CaseExact       bool        `json:"caseExact"`
	Mutability      string      `json:"mutability"`
	Returned        string      `json:"returned"`
	Uniqueness      string      `json:"uniqueness"`
	CanonicalValues []string    `json:"canonicalValues,omitempty"`
	ReferenceTypes  []string    `json:"referenceTypes,omitempty"`
	SubAttributes   []Attribute `json:"subAttributes,omitempty"`
}

// Schema describes a resource schema; it is both the /Schemas answer and
// what filters and PATCH paths are checked against.
type Schema struct {
	Schemas     []string    `json:"schemas"`
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	Attributes  []Attribute `json:"attributes"`
	Meta        *Meta       `json:"meta,omitempty"`
}

// Attr finds a top-level attribute by name, case-insensitively. The
// common attributes id, externalId and meta are known to every schema.
func (s *Schema) Attr(name string) *Attribute {
	for i := range s.Attributes {
		if strings.EqualFold(s.Attributes[i].Name, name) {
			return &s.Attributes[i]
		}
	}
	for i := range commonAttrs {
		if strings.EqualFold(commonAttrs[i].Name, name) {
			return &commonAttrs[i]
		}
	}
	return nil
}

// Sub finds a sub-attribute by name, case-insensitively.
func (a *Attribute) Sub(name string) *Attribute {
	for i := range a.SubAttributes {
		if strings.EqualFold(a.SubAttributes[i].Name, name) {
			return &a.SubAttributes[i]
		}
	}
	return nil
}

// stripURI removes a leading schema URN ("urn:...:User:") from an attribute name.
func (s *Schema) stripURI(uri string) bool {
	return uri == "" || strings.EqualFold(uri, s.ID)
}

var commonAttrs = []Attribute{
	{Name: "id", Type: "string", CaseExact: true, Mutability: "readOnly", Returned: "always", Uniqueness: "server"},
	{Name: "externalId", Type: "string", CaseExact: true, Mutability: "readWrite", Returned: "default", Uniqueness: "none"},
	{Name: "meta", Type: "complex", Mutability: "readOnly", Returned: "default", Uniqueness: "none", SubAttributes: []Attribute{
		{Name: "resourceType", Type: "string", CaseExact: true, Mutability: "readOnly", Returned: "default"},
		{Name: "created", Type: "dateTime", Mutability: "readOnly", Returned: "default"},
		{Name: "lastModified", Type: "dateTime", Mutability: "readOnly", Returned: "default"},
		{Name: "location", Type: "reference", CaseExact: true, Mutability: "readOnly", Returned: "default"},
		{Name: "version", Type: "string", CaseExact: true, Mutability: "readOnly", Returned: "default"},
	}},
}

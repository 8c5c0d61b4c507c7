package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Schema URNs and the media type.
const (
	ContentType                 = "application/scim+json"
	SchemaUser                  = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaGroup                 = "urn:ietf:params:scim:schemas:core:2.0:Group"
	SchemaEnterpriseUser        = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	SchemaListResponse          = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SchemaPatchOp               = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SchemaError                 = "urn:ietf:params:scim:api:messages:2.0:Error"
	SchemaServiceProviderConfig = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	SchemaResourceType          = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaSchema                = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// Meta is the common "meta" attribute.
type Meta struct {
	ResourceType string     `json:"resourceType,omitempty"`
	Created      *time.Time `json:"created,omitempty"`
	LastModified *time.Time `json:"lastModified,omitempty"`
	Location     string     `json:"location,omitempty"`
	Version      string     `json:"version,omitempty"`
}

// Name is the complex "name" attribute of a User.
type Name struct {
	Formatted       string `json:"formatted,omitempty"`
	FamilyName      string `json:"familyName,omitempty"`
	GivenName       string `json:"givenName,omitempty"`
	MiddleName      string `json:"middleName,omitempty"`
	HonorificPrefix string `json:"honorificPrefix,omitempty"`
	HonorificSuffix string `json:"honorificSuffix,omitempty"`
}

// Email is one value of a User's "emails".
type Email struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
	Display string `json:"display,omitempty"`
}

// User is the core User resource (the attributes this package knows).
type User struct {
	Schemas     []string `json:"schemas"`
	ID          string   `json:"id,omitempty"`
	ExternalID  string   `json:"externalId,omitempty"`
	UserName    string   `json:"userName,omitempty"`
	Name        *Name    `json:"name,omitempty"`
	DisplayName string   `json:"displayName,omitempty"`
	Emails      []Email  `json:"emails,omitempty"`
	Active      *bool    `json:"active,omitempty"`
	Meta        *Meta    `json:"meta,omitempty"`
}

// Member is one value of a Group's "members".
type Member struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Ref     string `json:"$ref,omitempty"`
	Type    string `json:"type,omitempty"`
}

// Group is the core Group resource.
type Group struct {
	Schemas     []string `json:"schemas"`
	ID          string   `json:"id,omitempty"`
	ExternalID  string   `json:"externalId,omitempty"`
	DisplayName string   `json:"displayName"`
	Members     []Member `json:"members"`
	Meta        *Meta    `json:"meta,omitempty"`
}

// ListResponse is the answer to a query (RFC 7644 section 3.4.2).
type ListResponse struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []any    `json:"Resources"`
}

// PatchOp is one operation of a PATCH request.
type PatchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
}

// PatchRequest is the body of a PATCH request.
type PatchRequest struct {
	Schemas    []string  `json:"schemas"`
	Operations []PatchOp `json:"Operations"`
}

// decodeStrict decodes exactly one JSON value from r into v and maps
// decoding failures to SCIM errors: bad JSON is invalidSyntax, a value of
// the wrong type is invalidValue, an oversized body is 413.
func decodeStrict(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			if se := decodeError(err); se != nil {
				return se
			}
		}
		return BadRequest(TypeInvalidSyntax, "request body holds more than one JSON value")
	}
	return nil
}

func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "body"
		}
		return BadRequest(TypeInvalidValue, "attribute %q must not be a JSON %s", field, te.Value)
	}
	if ae := AsError(err); ae.Status == 413 {
		return ae
	}
	if errors.Is(err, io.EOF) {
		return BadRequest(TypeInvalidSyntax, "request body is empty")
	}
	return BadRequest(TypeInvalidSyntax, "request body is not valid JSON: %s", err.Error())
}

func hasSchema(schemas []string, want string) bool {
	for _, s := range schemas {
		if strings.EqualFold(s, want) {
			return true
		}
	}
	return false
}

func checkSchemas(schemas []string, want string, allowed ...string) error {
	if !hasSchema(schemas, want) {
		return BadRequest(TypeInvalidSyntax, "schemas must contain %q", want)
	}
	for _, s := range schemas {
		ok := strings.EqualFold(s, want)
		for _, a := range allowed {
			ok = ok || strings.EqualFold(s, a)
		}
		if !ok {
			return BadRequest(TypeInvalidSyntax, "unsupported schema %q", s)
		}
	}
	return nil
}

// DecodeUser reads a User from r and checks its schemas.
func DecodeUser(r io.Reader) (*User, error) {
	var u User
	if err := decodeStrict(r, &u); err != nil {
		return nil, err
	}
	if err := checkSchemas(u.Schemas, SchemaUser, SchemaEnterpriseUser); err != nil {
		return nil, err
	}
	return &u, nil
}

// DecodeGroup reads a Group from r and checks its schemas.
func DecodeGroup(r io.Reader) (*Group, error) {
	var g Group
	if err := decodeStrict(r, &g); err != nil {
		return nil, err
	}
	if err := checkSchemas(g.Schemas, SchemaGroup); err != nil {
		return nil, err
	}
	for i, m := range g.Members {
		if m.Value == "" {
			return nil, BadRequest(TypeInvalidValue, "members[%d].value is required", i)
		}
	}
	return &g, nil
}

// DecodePatch reads a PatchRequest from r and checks its schemas and ops.
func DecodePatch(r io.Reader) (*PatchRequest, error) {
	var p PatchRequest
	if err := decodeStrict(r, &p); err != nil {
		return nil, err
	}
	if err := checkSchemas(p.Schemas, SchemaPatchOp); err != nil {
		return nil, err
	}
	if len(p.Operations) == 0 {
		return nil, BadRequest(TypeInvalidValue, "Operations must not be empty")
	}
	for i, op := range p.Operations {
		switch strings.ToLower(op.Op) {
		case "add", "replace":
			if len(op.Value) == 0 || bytes.Equal(bytes.TrimSpace(op.Value), []byte("null")) {
				return nil, BadRequest(TypeInvalidValue, "Operations[%d] (%s) needs a value", i, op.Op)
			}
		case "remove":
			if op.Path == "" {
				return nil, BadRequest(TypeNoTarget, "Operations[%d] (remove) needs a path", i)
			}
		default:
			return nil, BadRequest(TypeInvalidValue, "Operations[%d]: unknown op %q", i, op.Op)
		}
	}
	return &p, nil
}

// ToMap returns the generic JSON form of v (a resource struct).
func ToMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("scim: marshal: %w", err)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("scim: unmarshal: %w", err)
	}
	return m, nil
}

// FromMap decodes the generic form m into v; wrong types are invalidValue.
func FromMap(m map[string]any, v any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return BadRequest(TypeInvalidValue, "resource cannot be encoded")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return decodeError(err)
	}
	return nil
}

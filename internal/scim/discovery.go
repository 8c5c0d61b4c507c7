package scim

// Supported is a {"supported": bool} capability.
type Supported struct {
	Supported bool `json:"supported"`
}

// BulkSupport describes bulk capability.
type BulkSupport struct {
	Supported      bool `json:"supported"`
	MaxOperations  int  `json:"maxOperations"`
	MaxPayloadSize int  `json:"maxPayloadSize"`
}

// FilterSupport describes filter capability.
type FilterSupport struct {
	Supported  bool `json:"supported"`
	MaxResults int  `json:"maxResults"`
}

// AuthScheme is one authentication scheme.
type AuthScheme struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Description string `json:"description"`
	SpecURI     string `json:"specUri,omitempty"`
	Primary     bool   `json:"primary,omitempty"`
}

// ServiceProviderConfig is the /ServiceProviderConfig answer (RFC 7643 section 5).
type ServiceProviderConfig struct {
	Schemas               []string      `json:"schemas"`
	DocumentationURI      string        `json:"documentationUri,omitempty"`
	Patch                 Supported     `json:"patch"`
	Bulk                  BulkSupport   `json:"bulk"`
	Filter                FilterSupport `json:"filter"`
	ChangePassword        Supported     `json:"changePassword"`
	Sort                  Supported     `json:"sort"`
	ETag                  Supported     `json:"etag"`
	AuthenticationSchemes []AuthScheme  `json:"authenticationSchemes"`
	Meta                  *Meta         `json:"meta,omitempty"`
}

// SchemaExtension names an extension of a resource type.
type SchemaExtension struct {
	Schema   string `json:"schema"`
	Required bool   `json:"required"`
}

// ResourceType is one /ResourceTypes entry (RFC 7643 section 6).
type ResourceType struct {
	Schemas          []string          `json:"schemas"`
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Endpoint         string            `json:"endpoint"`
	Description      string            `json:"description,omitempty"`
	Schema           string            `json:"schema"`
	SchemaExtensions []SchemaExtension `json:"schemaExtensions,omitempty"`
	Meta             *Meta             `json:"meta,omitempty"`
}

package catalog

import (
	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/connector/quip"
	"github.com/jumpgate-idp/jumpgate/internal/connector/scimclient"
)

// DefaultRegistry returns a new registry with the built-in kinds: "scim"
// (generic RFC 7644) and "quip". It lives outside package connector
// because the kinds import connector.
func DefaultRegistry() *connector.Registry {
	r := connector.NewRegistry()
	r.Register(scimclient.Kind, scimclient.Open)
	r.Register(quip.Kind, quip.Open)
	return r
}

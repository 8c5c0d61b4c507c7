// Package scimclient is a generic RFC 7644 (SCIM 2.0) client connector; application profiles such as Quip tune it with Options.
package scimclient

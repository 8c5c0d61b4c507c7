// Package scim holds reusable SCIM 2.0 (RFC 7643/7644) pieces: wire types, error JSON, filters, PATCH and list paging.
package scim

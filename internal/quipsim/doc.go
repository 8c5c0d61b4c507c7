// Package quipsim is a Quip-compatible service: a SCIM 2.0 API with Quip's rules, a token page, a SAML service provider with JIT and server-side sessions.
package quipsim

// Package sso serves the SAML 2.0 identity provider endpoints at /saml2/{slug}: SP- and IdP-initiated sign-in for directory users with access checks, metadata, and a record of every decision.
package sso

// Package samlidp is the storage-agnostic SAML 2.0 identity provider core: per-application configuration and keys, IdP metadata, AuthnRequest parsing and signed Response making.
package samlidp

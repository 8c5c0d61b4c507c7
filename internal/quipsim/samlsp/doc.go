// Package samlsp is a strict SAML 2.0 service provider (Web Browser SSO, HTTP-Redirect requests, HTTP-POST responses) that quipsim uses to accept logins from Jumpgate or any other identity provider.
package samlsp

// Package catalog holds the application templates an admin picks from when adding an application: Quip, custom SAML and SCIM apps and bookmarks, as plain Go values.
package catalog

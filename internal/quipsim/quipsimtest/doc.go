// Package quipsimtest starts quipsim with an Enterprise company and a SCIM token, for other packages' tests.
package quipsimtest

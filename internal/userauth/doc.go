// Package userauth signs directory users in: passwords set through one-time activation links, optional TOTP with recovery codes, database-backed sessions, login throttling and CSRF checks.
package userauth

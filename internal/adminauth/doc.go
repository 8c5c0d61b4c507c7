// Package adminauth signs administrators in to the admin portal: passwords, optional TOTP with recovery codes, database-backed sessions with idle and absolute timeouts, login throttling, CSRF checks and an audit of every attempt.
package adminauth

// Package console serves the user console: sign-in (password, then TOTP), activation links, the tiles of the user's applications, logout and the account page.
package console

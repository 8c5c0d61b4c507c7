// Package api is the admin JSON API under /api/v1: users, groups, memberships and change records, authenticated by API key.
package api

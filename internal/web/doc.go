// Package web is Jumpgate's HTTP layer: the server, its middleware (request IDs, logs, metrics, recovery, security headers), strict JSON decoding and the one table from error codes to HTTP status.
package web

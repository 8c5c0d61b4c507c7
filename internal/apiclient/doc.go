// Package apiclient is a typed HTTP client of Jumpgate's admin JSON API, decoding its error JSON into errors with codes.
package apiclient

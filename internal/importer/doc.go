// Package importer imports an application's users into the directory, at once for small selections and as durable background jobs for large ones.
package importer

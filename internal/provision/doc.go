// Package provision is the identity-management engine: per-application SCIM settings, dirty keys marked in the directory's own transactions, and workers that reconcile users and groups into applications through connectors.
package provision

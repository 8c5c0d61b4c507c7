// Package lease gives named, expiring leases in the shared database, so that one replica at a time holds a name, and runs periodic duties once across all replicas.
package lease

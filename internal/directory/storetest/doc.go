// Package storetest is the conformance suite that every directory.Store backend runs.
package storetest

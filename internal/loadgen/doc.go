// Package loadgen drives concurrent SP-initiated SAML sign-ins and directory changes against a running Jumpgate and reports throughput, latency percentiles, errors and the server's memory and goroutines.
package loadgen

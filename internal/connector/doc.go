// Package connector is the contract between the provisioning engine and the outbound SCIM connectors: neutral user and group types, a small base interface, optional capabilities found by type assertion, one error type and a kind→factory registry.
package connector

// Package secrets seals small secrets at rest with AES-256-GCM under a master key, binding each one to its purpose.
package secrets

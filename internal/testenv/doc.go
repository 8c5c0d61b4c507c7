// Package testenv tells tests which outside programs and services they may use, failing instead of skipping under CI=true.
package testenv

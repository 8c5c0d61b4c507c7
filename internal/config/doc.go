// Package config holds Jumpgate's settings: defaults, loading from a file, JUMPGATE_* variables and flags, and a validation table.
package config

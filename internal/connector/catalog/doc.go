// Package catalog builds the registry of Jumpgate's built-in connector kinds.
package catalog

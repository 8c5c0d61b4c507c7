// Package directory holds Jumpgate's domain types, their validation rules, the error vocabulary and the storage contract that every backend implements.
package directory

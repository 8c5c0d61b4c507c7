// Package quip is Jumpgate's connector profile for Quip's SCIM 2.0 API: the generic client tuned to Quip's rules, plus session reset and e-mail release.
package quip

// Package auth hashes administrator passwords with argon2id, enforces the password policy, and makes and checks API keys.
package auth

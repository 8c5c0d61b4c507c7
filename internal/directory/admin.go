package directory

import "time"

// AdminRole is the permission level of an administrator account.
type AdminRole string

// The admin roles.
const (
	RoleAdmin    AdminRole = "admin"     // may do everything
	RoleReadOnly AdminRole = "read_only" // may read everything, change nothing
)

// Admin is an administrator account, separate from directory users as in
// JumpCloud's admin portal. PasswordHash is an encoded argon2id hash.
type Admin struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Role         AdminRole `json:"role"`
	PasswordHash string    `json:"-"`
	// TOTPSecret is the sealed (encrypted) TOTP seed, empty when MFA is off.
	TOTPSecret string    `json:"-"`
	CreatedAt  time.Time `json:"created"`
	UpdatedAt  time.Time `json:"updated"`
}

// APIKey is a credential for the JSON API. Only a hash of its secret is
// stored; the secret is shown once, when the key is made.
type APIKey struct {
	ID         string     `json:"id"`
	AdminID    string     `json:"adminId"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // the public part, shown in lists
	SecretHash []byte     `json:"-"`
	CreatedAt  time.Time  `json:"created"`
	LastUsedAt *time.Time `json:"lastUsed,omitempty"`
	ExpiresAt  *time.Time `json:"expires,omitempty"`
	RevokedAt  *time.Time `json:"revoked,omitempty"`
}

// Change kinds of administrator accounts and API keys: every admin action is
// a change record, so it is audited like directory changes.
const (
	AdminCreated  ChangeKind = "admin.created"
	APIKeyCreated ChangeKind = "admin.api_key_created"
	APIKeyRevoked ChangeKind = "admin.api_key_revoked"
)

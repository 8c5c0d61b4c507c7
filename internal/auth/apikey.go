package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// API keys look like jg_<prefix>_<secret>: prefix is 12 hex digits (public,
// the lookup key), secret 64 hex digits (256 random bits). Only SHA-256 of
// the secret is stored.
const (
	apiKeyTag        = "jg"
	prefixBytes      = 6
	secretBytes      = 32
	prefixHexLen     = 2 * prefixBytes
	secretHexLen     = 2 * secretBytes
	touchGranularity = time.Minute
)

// Reasons an API key is refused; the log says which, the caller only learns
// that the key is not valid.
var (
	ErrKeyMalformed = errors.New("auth: malformed API key")
	ErrKeyUnknown   = errors.New("auth: unknown API key prefix")
	ErrKeyMismatch  = errors.New("auth: API key secret does not match")
	ErrKeyRevoked   = errors.New("auth: API key revoked")
	ErrKeyExpired   = errors.New("auth: API key expired")
)

// NewAPIKeyToken makes a new key: the full token to show once, its public
// prefix, and the hash of its secret to store.
func NewAPIKeyToken(r io.Reader) (token, prefix string, secretHash []byte, err error) {
	if r == nil {
		r = rand.Reader
	}
	buf := make([]byte, prefixBytes+secretBytes)
	if _, err := io.ReadFull(r, buf); err != nil {
		return "", "", nil, fmt.Errorf("auth: api key: %w", err)
	}
	prefix = hex.EncodeToString(buf[:prefixBytes])
	secret := hex.EncodeToString(buf[prefixBytes:])
	return apiKeyTag + "_" + prefix + "_" + secret, prefix, HashSecret(secret), nil
}

// HashSecret returns SHA-256 of an API key's secret part.
func HashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// ParseAPIKeyToken splits a token into its prefix and secret, or returns
// ErrKeyMalformed.
func ParseAPIKeyToken(token string) (prefix, secret string, err error) {
	parts := strings.Split(token, "_")
	if len(parts) != 3 || parts[0] != apiKeyTag || len(parts[1]) != prefixHexLen || len(parts[2]) != secretHexLen ||
		!isHex(parts[1]) || !isHex(parts[2]) {
		return "", "", ErrKeyMalformed
	}
	return parts[1], parts[2], nil
}

// CheckAPIKey verifies secret against k in constant time and checks that k
// is neither revoked nor expired at now.
func CheckAPIKey(k *directory.APIKey, secret string, now time.Time) error {
	if subtle.ConstantTimeCompare(HashSecret(secret), k.SecretHash) != 1 {
		return ErrKeyMismatch
	}
	if k.RevokedAt != nil && !now.Before(*k.RevokedAt) {
		return ErrKeyRevoked
	}
	if k.ExpiresAt != nil && !now.Before(*k.ExpiresAt) {
		return ErrKeyExpired
	}
	return nil
}

// NeedsTouch reports whether the key's last-used time is older than a
// minute at now, so that at most one write per key per minute records use.
func NeedsTouch(k *directory.APIKey, now time.Time) bool {
	return k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= touchGranularity
}

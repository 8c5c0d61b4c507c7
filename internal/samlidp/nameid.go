package samlidp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// PersistentNameID derives a stable, opaque persistent NameID for a user of
// one application: HMAC-SHA256 under secret (a server-side key) over the SP
// entity ID and the user's immutable ID. Different applications see
// unrelated values for the same user.
func PersistentNameID(secret []byte, spEntityID, userID string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(spEntityID))
	m.Write([]byte{0})
	m.Write([]byte(userID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

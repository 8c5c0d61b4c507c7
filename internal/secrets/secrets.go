package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// KeySize is the length of a master key in bytes (AES-256).
const KeySize = 32

// Errors returned by Open. Both say nothing about which check failed, on
// purpose: a caller learns only that the value cannot be opened.
var (
	ErrMalformed  = errors.New("secrets: malformed sealed value")
	ErrOpen       = errors.New("secrets: cannot open sealed value (wrong key, purpose or tampered)")
	ErrUnknownKey = errors.New("secrets: sealed under an unknown key")
)

// Sealed values look like "v1:<keyid>:<base64(nonce||ciphertext||tag)>" where
// keyid is the first 8 hex digits of SHA-256 of the key. The associated data
// given to Seal and Open is bound into the tag together with the version and
// key id, so a value cannot be moved to another row or purpose.
const version = "v1"

// Sealer seals with a primary key and opens with any of its keys, so that a
// master key can be rotated: add the new key as primary, keep the old one
// until every value has been re-sealed.
type Sealer struct {
	primary string
	aeads   map[string]cipher.AEAD
	// Rand is the source of nonces; crypto/rand when nil.
	Rand io.Reader
}

// KeyID returns the public identifier of a key: 8 hex digits of its SHA-256.
func KeyID(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:4])
}

// New returns a Sealer whose primary (sealing) key is the first key; every
// key can open. Each key must be KeySize bytes.
func New(primary []byte, older ...[]byte) (*Sealer, error) {
	s := &Sealer{aeads: map[string]cipher.AEAD{}}
	for i, k := range append([][]byte{primary}, older...) {
		if len(k) != KeySize {
			return nil, fmt.Errorf("secrets: key %d is %d bytes, want %d", i, len(k), KeySize)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
		id := KeyID(k)
		if i == 0 {
			s.primary = id
		}
		s.aeads[id] = aead
	}
	return s, nil
}

// ParseKey decodes a base64 (standard or URL, padded or not) master key of
// KeySize bytes.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != KeySize {
				return nil, fmt.Errorf("master key is %d bytes, want %d (32 random bytes, base64)", len(k), KeySize)
			}
			return k, nil
		}
	}
	return nil, errors.New("master key is not valid base64 (want 32 random bytes, base64)")
}

// GenerateKey returns a new random master key, base64-encoded.
func GenerateKey(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	k := make([]byte, KeySize)
	if _, err := io.ReadFull(r, k); err != nil {
		return "", fmt.Errorf("secrets: generate key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(k), nil
}

func header(keyID string) string { return version + ":" + keyID + ":" }

func aad(keyID string, ad []byte) []byte {
	h := header(keyID)
	out := make([]byte, 0, len(h)+len(ad))
	return append(append(out, h...), ad...)
}

// Seal encrypts plaintext under the primary key, binding it to ad (for
// example "scim-token:app:<id>").
func (s *Sealer) Seal(plaintext, ad []byte) (string, error) {
	aead := s.aeads[s.primary]
	nonce := make([]byte, aead.NonceSize())
	r := s.Rand
	if r == nil {
		r = rand.Reader
	}
	if _, err := io.ReadFull(r, nonce); err != nil {
		return "", fmt.Errorf("secrets: nonce: %w", err)
	}
	out := aead.Seal(nonce, nonce, plaintext, aad(s.primary, ad))
	return header(s.primary) + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal with the same ad. It returns
// ErrMalformed, ErrUnknownKey or ErrOpen on failure.
func (s *Sealer) Open(sealed string, ad []byte) ([]byte, error) {
	ver, rest, ok := strings.Cut(sealed, ":")
	if !ok || ver != version {
		return nil, ErrMalformed
	}
	keyID, body, ok := strings.Cut(rest, ":")
	if !ok || len(keyID) != 8 {
		return nil, ErrMalformed
	}
	aead, ok := s.aeads[keyID]
	if !ok {
		return nil, ErrUnknownKey
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrMalformed
	}
	nonce, ct := raw[:aead.NonceSize()], raw[aead.NonceSize():]
	pt, err := aead.Open(nil, nonce, ct, aad(keyID, ad))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// NeedsReseal reports whether sealed was made under a key other than the
// primary one (so a rotation job should open and seal it again).
func (s *Sealer) NeedsReseal(sealed string) bool {
	return !strings.HasPrefix(sealed, header(s.primary))
}

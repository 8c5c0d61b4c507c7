package quipsim

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters (OWASP's minimum: 19 MiB, t=2, p=1).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

func (s *Server) hashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := s.cfg.Rand.Read(salt); err != nil {
		return "", fmt.Errorf("quipsim: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

func checkPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 1<<20 || t > 10 || p == 0 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when the admin does not exist, so that the
// answer takes as long as for a wrong password.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// AddAdmin makes email an admin of the company with the password (at
// least 8 characters), replacing an earlier password.
func (s *Server) AddAdmin(ctx context.Context, companyID, email, password string) error {
	if len(password) < 8 {
		return errors.New("quipsim: admin password must have at least 8 characters")
	}
	h, err := s.hashPassword(password)
	if err != nil {
		return err
	}
	_, err = s.db.w.ExecContext(ctx, `INSERT INTO admins (company_id, email_lower, password_hash) VALUES (?, ?, ?)
		ON CONFLICT (company_id, email_lower) DO UPDATE SET password_hash = excluded.password_hash`,
		companyID, strings.ToLower(strings.TrimSpace(email)), h)
	if err != nil {
		return fmt.Errorf("quipsim: add admin: %w", err)
	}
	return nil
}

// checkAdmin verifies an admin's password; the company is given by name.
func (s *Server) checkAdmin(ctx context.Context, companyName, email, password string) (Company, bool, error) {
	c, err := s.Company(ctx, companyName)
	if errors.Is(err, ErrNotFound) {
		checkPassword(dummyHash, password)
		return c, false, nil
	}
	if err != nil {
		return c, false, err
	}
	var h string
	err = s.db.r.QueryRowContext(ctx, `SELECT password_hash FROM admins WHERE company_id = ? AND email_lower = ?`,
		c.ID, strings.ToLower(strings.TrimSpace(email))).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		checkPassword(dummyHash, password)
		return c, false, nil
	}
	if err != nil {
		return c, false, fmt.Errorf("quipsim: admin: %w", err)
	}
	return c, checkPassword(h, password), nil
}

func (s *Server) isAdminEmail(ctx context.Context, companyID, email string) (bool, error) {
	var n int
	err := s.db.r.QueryRowContext(ctx, `SELECT count(*) FROM admins WHERE company_id = ? AND email_lower = ?`,
		companyID, strings.ToLower(email)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("quipsim: admin: %w", err)
	}
	return n > 0, nil
}

func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

const adminCols = "id, email, name, role, password_hash, totp_secret, created_at, updated_at"

func scanAdmin(sc scanner) (directory.Admin, error) {
	var a directory.Admin
	var role string
	var created, updated int64
	err := sc.Scan(&a.ID, &a.Email, &a.Name, &role, &a.PasswordHash, &a.TOTPSecret, &created, &updated)
	a.Role, a.CreatedAt, a.UpdatedAt = directory.AdminRole(role), TimeOf(created), TimeOf(updated)
	return a, err
}

// CreateAdmin inserts a; ECONFLICT names "email". Timestamps are normalized.
func (t *Tx) CreateAdmin(ctx context.Context, a *directory.Admin) error {
	a.CreatedAt, a.UpdatedAt = normTime(a.CreatedAt), normTime(a.UpdatedAt)
	_, err := t.Exec(ctx, "INSERT INTO admins (id, email, email_key, name, role, password_hash, totp_secret, created_at, updated_at) VALUES "+placeholders(1, 9),
		a.ID, a.Email, strings.ToLower(a.Email), a.Name, string(a.Role), a.PasswordHash, a.TOTPSecret,
		TimeValue(a.CreatedAt), TimeValue(a.UpdatedAt))
	return err
}

func (t *Tx) getAdmin(ctx context.Context, cond, arg, what string) (*directory.Admin, error) {
	a, err := scanAdmin(t.QueryRow(ctx, "SELECT "+adminCols+" FROM admins WHERE "+cond, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, directory.NotFound("admin", what)
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// GetAdmin returns the admin with id, or ENOTFOUND.
func (t *Tx) GetAdmin(ctx context.Context, id string) (*directory.Admin, error) {
	return t.getAdmin(ctx, "id = ?", id, id)
}

// GetAdminByEmail finds an admin by email, case-insensitively, or ENOTFOUND.
func (t *Tx) GetAdminByEmail(ctx context.Context, email string) (*directory.Admin, error) {
	return t.getAdmin(ctx, "email_key = ?", strings.ToLower(strings.TrimSpace(email)), email)
}

// UpdateAdmin replaces the admin's attributes but ID and CreatedAt (which is
// set from the database); ENOTFOUND if absent.
func (t *Tx) UpdateAdmin(ctx context.Context, a *directory.Admin) error {
	a.UpdatedAt = normTime(a.UpdatedAt)
	var created int64
	err := t.QueryRow(ctx, `UPDATE admins SET email = ?, email_key = ?, name = ?, role = ?, password_hash = ?,
		totp_secret = ?, updated_at = ? WHERE id = ? RETURNING created_at`,
		a.Email, strings.ToLower(a.Email), a.Name, string(a.Role), a.PasswordHash, a.TOTPSecret,
		TimeValue(a.UpdatedAt), a.ID).Scan(&created)
	if errors.Is(err, sql.ErrNoRows) {
		return directory.NotFound("admin", a.ID)
	}
	if err != nil {
		return err
	}
	a.CreatedAt = TimeOf(created)
	return nil
}

// ListAdmins returns every admin ordered by email.
func (t *Tx) ListAdmins(ctx context.Context) ([]directory.Admin, error) {
	rows, err := t.Query(ctx, "SELECT "+adminCols+" FROM admins ORDER BY email_key, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []directory.Admin{}
	for rows.Next() {
		a, err := scanAdmin(rows)
		if err != nil {
			return nil, mapError(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	return out, nil
}

const apiKeyCols = "id, admin_id, name, prefix, secret_hash, created_at, last_used_at, expires_at, revoked_at"

func scanAPIKey(sc scanner) (directory.APIKey, error) {
	var k directory.APIKey
	var created int64
	var used, expires, revoked sql.NullInt64
	err := sc.Scan(&k.ID, &k.AdminID, &k.Name, &k.Prefix, &k.SecretHash, &created, &used, &expires, &revoked)
	k.CreatedAt = TimeOf(created)
	k.LastUsedAt, k.ExpiresAt, k.RevokedAt = timePtr(used), timePtr(expires), timePtr(revoked)
	return k, err
}

// CreateAPIKey inserts k; ECONFLICT names "prefix" for a repeated prefix and
// ENOTFOUND is returned for an unknown admin.
func (t *Tx) CreateAPIKey(ctx context.Context, k *directory.APIKey) error {
	k.CreatedAt = normTime(k.CreatedAt)
	hash := k.SecretHash
	if hash == nil {
		hash = []byte{}
	}
	_, err := t.Exec(ctx, "INSERT INTO api_keys ("+apiKeyCols+") VALUES "+placeholders(1, 9),
		k.ID, k.AdminID, k.Name, k.Prefix, hash, TimeValue(k.CreatedAt),
		nullTime(k.LastUsedAt), nullTime(k.ExpiresAt), nullTime(k.RevokedAt))
	if err != nil && foreignKeyViolation(err) {
		return directory.NotFound("admin", k.AdminID)
	}
	return err
}

// GetAPIKeyByPrefix returns the key with the public prefix, or ENOTFOUND.
func (t *Tx) GetAPIKeyByPrefix(ctx context.Context, prefix string) (*directory.APIKey, error) {
	k, err := scanAPIKey(t.QueryRow(ctx, "SELECT "+apiKeyCols+" FROM api_keys WHERE prefix = ?", prefix))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, directory.NotFound("API key", prefix)
	}
	if err != nil {
		return nil, err
	}
	return &k, nil
}

// ListAPIKeys lists an admin's keys, newest first.
func (t *Tx) ListAPIKeys(ctx context.Context, adminID string) ([]directory.APIKey, error) {
	rows, err := t.Query(ctx, "SELECT "+apiKeyCols+" FROM api_keys WHERE admin_id = ? ORDER BY created_at DESC, id DESC", adminID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []directory.APIKey{}
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, mapError(err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	return out, nil
}

// TouchAPIKey records that the key was used at t; ENOTFOUND if absent.
func (t *Tx) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	res, err := t.Exec(ctx, "UPDATE api_keys SET last_used_at = ? WHERE id = ?", TimeValue(at), id)
	return affectedOne(res, err, "API key", id)
}

// RevokeAPIKey marks the key revoked at t; ENOTFOUND if absent. Revoking a
// revoked key keeps the first revocation time.
func (t *Tx) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	res, err := t.Exec(ctx, "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", TimeValue(at), id)
	return affectedOne(res, err, "API key", id)
}

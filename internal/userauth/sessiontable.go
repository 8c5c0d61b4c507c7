package userauth

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// SessionTable keeps the database sessions of one kind of principal:
// directory users in user_sessions, administrators in admin_sessions (the
// adminauth package). A session is stored under the SHA-256 of its token,
// so any replica can check it and a leaked table holds no usable token.
// Both tables have the columns id_hash, the principal's id, csrf_token,
// mfa_pending, client_ip, created_at, last_seen_at, expires_at and
// revoked_at.
type SessionTable struct {
	Store *sqlstore.Store
	// Table is the table's name and Principal its column of principal
	// ids; both are constants of the caller, never outside input.
	Table, Principal string
	// Idle ends a session not seen for this long.
	Idle time.Duration
}

// SessionRow is one stored session.
type SessionRow struct {
	ID          string // the stored hash of the token: safe to show and to revoke by
	PrincipalID string
	CSRFToken   string
	MFAPending  bool // password checked, second factor still due
	ClientIP    string
	CreatedAt   time.Time
	LastSeenAt  time.Time
	ExpiresAt   time.Time // absolute end
}

// SessionTouchInterval bounds how often a session's last-seen time is
// written.
const SessionTouchInterval = 15 * time.Second

// Open stores a new session of principal that ends life after now, and
// returns its token. It first runs extra in the same transaction, and
// deletes the sessions that ended more than an hour ago.
func (t SessionTable) Open(ctx context.Context, rnd io.Reader, now time.Time, principal, ip string, mfaPending bool,
	life time.Duration, extra func(*sqlstore.Tx) error) (string, *SessionRow, error) {
	token, err := NewToken(rnd)
	if err != nil {
		return "", nil, err
	}
	csrf, err := NewToken(rnd)
	if err != nil {
		return "", nil, err
	}
	at := sqlstore.TimeOf(sqlstore.TimeValue(now))
	row := &SessionRow{ID: HashToken(token), PrincipalID: principal, CSRFToken: csrf, MFAPending: mfaPending, ClientIP: ip,
		CreatedAt: at, LastSeenAt: at, ExpiresAt: sqlstore.TimeOf(sqlstore.TimeValue(now.Add(life)))}
	pending := 0
	if mfaPending {
		pending = 1
	}
	err = t.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		if extra != nil {
			if err := extra(tx); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM `+t.Table+` WHERE expires_at < ?`, sqlstore.TimeValue(now.Add(-time.Hour))); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO `+t.Table+` (id_hash, `+t.Principal+`, csrf_token, mfa_pending, client_ip, created_at, last_seen_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, row.ID, principal, csrf, pending, ip,
			sqlstore.TimeValue(now), sqlstore.TimeValue(now), sqlstore.TimeValue(row.ExpiresAt))
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return token, row, nil
}

// Check returns the session of token, or why it is refused: "malformed",
// "unknown session", "revoked", "absolute timeout", "idle timeout", the
// reason principal gives, or "wrong step" (a half-open session where a
// full one is wanted, or the reverse). principal runs in the read
// transaction that found the row; it loads the principal and returns why
// it may not have a session ("" when it may). A usable session's activity
// is recorded, at most every SessionTouchInterval.
func (t SessionTable) Check(ctx context.Context, token string, now time.Time, wantPending bool,
	principal func(tx *sqlstore.Tx, row *SessionRow) (string, error)) (*SessionRow, string, error) {
	if !WellFormedToken(token) {
		return nil, "malformed", nil
	}
	row := &SessionRow{ID: HashToken(token)}
	var pending int
	var created, seen, expires int64
	var revoked sql.NullInt64
	found, refusal := false, ""
	err := t.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		err := tx.QueryRow(ctx, `SELECT `+t.Principal+`, csrf_token, mfa_pending, client_ip, created_at, last_seen_at, expires_at, revoked_at
			FROM `+t.Table+` WHERE id_hash = ?`, row.ID).
			Scan(&row.PrincipalID, &row.CSRFToken, &pending, &row.ClientIP, &created, &seen, &expires, &revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		refusal, err = principal(tx, row)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if !found {
		return nil, "unknown session", nil
	}
	row.MFAPending = pending != 0
	row.CreatedAt, row.LastSeenAt, row.ExpiresAt = sqlstore.TimeOf(created), sqlstore.TimeOf(seen), sqlstore.TimeOf(expires)
	reason := ""
	switch {
	case revoked.Valid:
		reason = "revoked"
	case !now.Before(row.ExpiresAt):
		reason = "absolute timeout"
	case now.Sub(row.LastSeenAt) >= t.Idle:
		reason = "idle timeout"
	case refusal != "":
		reason = refusal
	case row.MFAPending != wantPending:
		reason = "wrong step"
	}
	if reason != "" {
		return row, reason, nil
	}
	if now.Sub(row.LastSeenAt) >= SessionTouchInterval {
		err := t.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE `+t.Table+` SET last_seen_at = ? WHERE id_hash = ?`, sqlstore.TimeValue(now), row.ID)
			return err
		})
		if err != nil {
			return nil, "", err
		}
		row.LastSeenAt = sqlstore.TimeOf(sqlstore.TimeValue(now))
	}
	return row, "", nil
}

// Delete ends the session of token; malformed or unknown tokens are
// ignored.
func (t SessionTable) Delete(ctx context.Context, token string) error {
	if !WellFormedToken(token) {
		return nil
	}
	return t.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM `+t.Table+` WHERE id_hash = ?`, HashToken(token))
		return err
	})
}

// Revoke ends the session with the given SessionRow.ID; ENOTFOUND when no
// such unrevoked session exists.
func (t SessionTable) Revoke(ctx context.Context, id string, now time.Time) error {
	return t.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE `+t.Table+` SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL`, sqlstore.TimeValue(now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return directory.NotFound("session", id)
		}
		return nil
	})
}

// RevokeAll ends every open session of principal (full and half-open) and
// returns how many there were; sessions already ended stay as they are.
func (t SessionTable) RevokeAll(ctx context.Context, principal string, now time.Time) (int, error) {
	var n int64
	err := t.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE `+t.Table+` SET revoked_at = ?
			WHERE `+t.Principal+` = ? AND revoked_at IS NULL AND expires_at > ? AND last_seen_at > ?`,
			sqlstore.TimeValue(now), principal, sqlstore.TimeValue(now), sqlstore.TimeValue(now.Add(-t.Idle)))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

// List returns principal's open sessions (not revoked, not past their
// absolute end, not idle too long), newest first, without CSRF tokens.
func (t SessionTable) List(ctx context.Context, tx *sqlstore.Tx, principal string, now time.Time) ([]SessionRow, error) {
	rows, err := tx.Query(ctx, `SELECT id_hash, mfa_pending, client_ip, created_at, last_seen_at, expires_at FROM `+t.Table+`
		WHERE `+t.Principal+` = ? AND revoked_at IS NULL AND expires_at > ? AND last_seen_at > ? ORDER BY created_at DESC, id_hash`,
		principal, sqlstore.TimeValue(now), sqlstore.TimeValue(now.Add(-t.Idle)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []SessionRow{}
	for rows.Next() {
		r := SessionRow{PrincipalID: principal}
		var pending int
		var created, seen, expires int64
		if err := rows.Scan(&r.ID, &pending, &r.ClientIP, &created, &seen, &expires); err != nil {
			return nil, sqlstore.MapError(err)
		}
		r.MFAPending = pending != 0
		r.CreatedAt, r.LastSeenAt, r.ExpiresAt = sqlstore.TimeOf(created), sqlstore.TimeOf(seen), sqlstore.TimeOf(expires)
		out = append(out, r)
	}
	return out, sqlstore.MapError(rows.Err())
}

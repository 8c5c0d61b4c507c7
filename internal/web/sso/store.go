package sso

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

// pendingTTL is how long an AuthnRequest waits for the user to sign in.
const pendingTTL = 15 * time.Minute

// ReplayStore is the samlidp.ReplayStore on the database
// (saml_request_replay): one conditional insert, atomic across replicas.
type ReplayStore struct {
	Store *sqlstore.Store
	Now   func() time.Time
}

var _ samlidp.ReplayStore = ReplayStore{}

// MarkRequestUsed records (spEntityID, id) until expires; see samlidp.ReplayStore.
func (s ReplayStore) MarkRequestUsed(ctx context.Context, spEntityID, id string, expires time.Time) (bool, error) {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	var first bool
	err := s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM saml_request_replay WHERE expires_at < ?`, sqlstore.TimeValue(now)); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `INSERT INTO saml_request_replay (sp_entity_id, request_id, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (sp_entity_id, request_id) DO NOTHING`, spEntityID, id, sqlstore.TimeValue(expires))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		first = n == 1
		return nil
	})
	return first, err
}

// pending is an AuthnRequest waiting for the user to sign in.
type pending struct {
	Slug      string
	Request   samlidp.AuthnRequest // App is nil once stored
	CreatedAt time.Time
}

func newID(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, 32)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("sso: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ValidPendingID reports whether s has the shape of a pending-request id,
// for the sign-in page's return parameter.
func ValidPendingID(s string) bool {
	if len(s) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

func (h *Handler) savePending(ctx context.Context, slug string, req *samlidp.AuthnRequest) (string, error) {
	id, err := newID(h.Rand)
	if err != nil {
		return "", err
	}
	now := h.now()
	cp := *req
	cp.App = nil
	body, err := json.Marshal(pending{Slug: slug, Request: cp, CreatedAt: now})
	if err != nil {
		return "", fmt.Errorf("sso: pending: %w", err)
	}
	err = h.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM saml_pending_requests WHERE expires_at < ?`, sqlstore.TimeValue(now)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO saml_pending_requests (id_hash, app_slug, request, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			userauth.HashToken(id), slug, string(body), sqlstore.TimeValue(now), sqlstore.TimeValue(now.Add(pendingTTL)))
		return err
	})
	return id, err
}

var errNoPending = errors.New("sso: no such pending request")

// takePending returns and deletes the pending request (single use).
func (h *Handler) takePending(ctx context.Context, id string) (*pending, error) {
	if !ValidPendingID(id) {
		return nil, errNoPending
	}
	var body string
	var expires int64
	err := h.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		err := tx.QueryRow(ctx, `SELECT request, expires_at FROM saml_pending_requests WHERE id_hash = ?`, userauth.HashToken(id)).Scan(&body, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoPending
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM saml_pending_requests WHERE id_hash = ?`, userauth.HashToken(id))
		return err
	})
	if err != nil {
		return nil, err
	}
	if !h.now().Before(sqlstore.TimeOf(expires)) {
		return nil, errNoPending
	}
	var p pending
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		return nil, fmt.Errorf("sso: pending: %w", err)
	}
	return &p, nil
}

package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// GetAppSSO returns the app's SSO settings with its attribute statements in
// order; ENOTFOUND for an unknown app.
func (t *Tx) GetAppSSO(ctx context.Context, appID string) (*directory.AppSSO, error) {
	var s directory.AppSSO
	var acs string
	var updated int64
	err := t.QueryRow(ctx, `SELECT idp_entity_id, sp_entity_id, acs_urls, sp_certificate, nameid_attribute, nameid_format,
		signature_algorithm, sign_mode, default_relay_state, groups_attribute, updated_at FROM app_sso WHERE app_id = ?`, appID).
		Scan(&s.IdPEntityID, &s.SPEntityID, &acs, &s.SPCertificate, &s.NameIDAttribute, &s.NameIDFormat,
			&s.SignatureAlgorithm, &s.Sign, &s.DefaultRelayState, &s.GroupsAttribute, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, directory.NotFound("application", appID)
	}
	if err != nil {
		return nil, err
	}
	s.UpdatedAt = TimeOf(updated)
	if err := json.Unmarshal([]byte(acs), &s.ACSURLs); err != nil {
		return nil, fmt.Errorf("sqlstore: acs_urls of app %s: %w", appID, err)
	}
	rows, err := t.Query(ctx, `SELECT name, source_attribute, source_constant, enabled, jit_required
		FROM app_attributes WHERE app_id = ? ORDER BY position`, appID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	s.Attributes = []directory.AttributeStatement{}
	for rows.Next() {
		var a directory.AttributeStatement
		if err := rows.Scan(&a.Name, &a.Source.Attribute, &a.Source.Constant, &a.Enabled, &a.JITRequired); err != nil {
			return nil, mapError(err)
		}
		s.Attributes = append(s.Attributes, a)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	if s.ACSURLs == nil {
		s.ACSURLs = []string{}
	}
	return &s, nil
}

// PutAppSSO replaces the app's SSO settings and attribute statements.
func (t *Tx) PutAppSSO(ctx context.Context, appID string, s *directory.AppSSO) error {
	if err := t.appExists(ctx, appID); err != nil {
		return err
	}
	s.UpdatedAt = normTime(s.UpdatedAt)
	acs := s.ACSURLs
	if acs == nil {
		acs = []string{}
	}
	acsJSON, err := json.Marshal(acs)
	if err != nil {
		return fmt.Errorf("sqlstore: encode acs_urls: %w", err)
	}
	if _, err := t.Exec(ctx, "DELETE FROM app_sso WHERE app_id = ?", appID); err != nil {
		return err
	}
	if _, err := t.Exec(ctx, `INSERT INTO app_sso (app_id, idp_entity_id, sp_entity_id, acs_urls, sp_certificate,
		nameid_attribute, nameid_format, signature_algorithm, sign_mode, default_relay_state, groups_attribute, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		appID, s.IdPEntityID, s.SPEntityID, string(acsJSON), s.SPCertificate, s.NameIDAttribute, s.NameIDFormat,
		s.SignatureAlgorithm, s.Sign, s.DefaultRelayState, s.GroupsAttribute, TimeValue(s.UpdatedAt)); err != nil {
		return err
	}
	if _, err := t.Exec(ctx, "DELETE FROM app_attributes WHERE app_id = ?", appID); err != nil {
		return err
	}
	for i, a := range s.Attributes {
		if _, err := t.Exec(ctx, `INSERT INTO app_attributes (app_id, position, name, source_attribute, source_constant,
			enabled, jit_required) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			appID, i, a.Name, a.Source.Attribute, a.Source.Constant, a.Enabled, a.JITRequired); err != nil {
			return err
		}
	}
	return nil
}

const appKeyCols = "id, app_id, status, algorithm, certificate, sealed_key, not_before, not_after, created_at"

// CreateAppKey inserts k (its times set to the stored values). ENOTFOUND
// for an unknown app; ECONFLICT when the app already has an active (or
// next) key and k has that status.
func (t *Tx) CreateAppKey(ctx context.Context, k *directory.AppKey) error {
	if err := t.appExists(ctx, k.AppID); err != nil {
		return err
	}
	k.NotBefore, k.NotAfter, k.CreatedAt = normTime(k.NotBefore), normTime(k.NotAfter), normTime(k.CreatedAt)
	_, err := t.Exec(ctx, "INSERT INTO app_keys ("+appKeyCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		k.ID, k.AppID, string(k.Status), k.Algorithm, k.CertificatePEM, k.SealedKey,
		TimeValue(k.NotBefore), TimeValue(k.NotAfter), TimeValue(k.CreatedAt))
	return err
}

// ListAppKeys returns the app's keys: active, next, then retired, newest
// first within a status.
func (t *Tx) ListAppKeys(ctx context.Context, appID string) ([]directory.AppKey, error) {
	rows, err := t.Query(ctx, "SELECT "+appKeyCols+` FROM app_keys WHERE app_id = ?
		ORDER BY CASE status WHEN 'active' THEN 0 WHEN 'next' THEN 1 ELSE 2 END, created_at DESC, id DESC`, appID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []directory.AppKey{}
	for rows.Next() {
		var k directory.AppKey
		var st string
		var nb, na, ca int64
		if err := rows.Scan(&k.ID, &k.AppID, &st, &k.Algorithm, &k.CertificatePEM, &k.SealedKey, &nb, &na, &ca); err != nil {
			return nil, mapError(err)
		}
		k.Status = directory.KeyStatus(st)
		k.NotBefore, k.NotAfter, k.CreatedAt = TimeOf(nb), TimeOf(na), TimeOf(ca)
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	return out, nil
}

// SetAppKeyStatus changes one key's status; ENOTFOUND.
func (t *Tx) SetAppKeyStatus(ctx context.Context, appID, keyID string, st directory.KeyStatus) error {
	res, err := t.Exec(ctx, "UPDATE app_keys SET status = ? WHERE app_id = ? AND id = ?", string(st), appID, keyID)
	return affectedOne(res, err, "key", keyID)
}

// DeleteAppKey removes one key; ENOTFOUND.
func (t *Tx) DeleteAppKey(ctx context.Context, appID, keyID string) error {
	res, err := t.Exec(ctx, "DELETE FROM app_keys WHERE app_id = ? AND id = ?", appID, keyID)
	return affectedOne(res, err, "key", keyID)
}

// BindGroups binds groups to the app and returns those not bound before, in
// the order given. ENOTFOUND for an unknown app or group, binding nothing.
func (t *Tx) BindGroups(ctx context.Context, appID string, groupIDs []string) ([]string, error) {
	if err := t.appExists(ctx, appID); err != nil {
		return nil, err
	}
	ids := dedupe(groupIDs)
	for _, id := range ids {
		if err := t.groupExists(ctx, id); err != nil {
			return nil, err
		}
	}
	added := []string{}
	for _, id := range ids {
		res, err := t.Exec(ctx, "INSERT INTO app_groups (app_id, group_id) VALUES (?, ?) ON CONFLICT DO NOTHING", appID, id)
		if err != nil {
			if foreignKeyViolation(err) {
				return nil, directory.NotFound("group", id)
			}
			return nil, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			added = append(added, id)
		}
	}
	return added, nil
}

// UnbindGroups removes bindings and returns the ids that were bound.
func (t *Tx) UnbindGroups(ctx context.Context, appID string, groupIDs []string) ([]string, error) {
	if err := t.appExists(ctx, appID); err != nil {
		return nil, err
	}
	removed := []string{}
	for _, id := range dedupe(groupIDs) {
		res, err := t.Exec(ctx, "DELETE FROM app_groups WHERE app_id = ? AND group_id = ?", appID, id)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			removed = append(removed, id)
		}
	}
	return removed, nil
}

// AppGroupIDs lists the groups bound to the app, sorted.
func (t *Tx) AppGroupIDs(ctx context.Context, appID string) ([]string, error) {
	return t.ids(ctx, "SELECT group_id FROM app_groups WHERE app_id = ? ORDER BY group_id", appID)
}

// GroupAppIDs lists the apps bound to the group, sorted.
func (t *Tx) GroupAppIDs(ctx context.Context, groupID string) ([]string, error) {
	return t.ids(ctx, "SELECT app_id FROM app_groups WHERE group_id = ? ORDER BY app_id", groupID)
}

// UserInAppGroups reports whether the user is in a group bound to the app.
func (t *Tx) UserInAppGroups(ctx context.Context, userID, appID string) (bool, error) {
	var n int
	err := t.QueryRow(ctx, `SELECT count(*) FROM app_groups ag JOIN group_members m ON m.group_id = ag.group_id
		WHERE ag.app_id = ? AND m.user_id = ?`, appID, userID).Scan(&n)
	return n > 0, err
}

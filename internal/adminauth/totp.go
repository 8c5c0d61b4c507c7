package adminauth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/pquerna/otp/totp"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

// An admin's TOTP seed lives in admin_totp, sealed with the Sealer and
// bound to the admin's id; recovery codes in admin_recovery_codes as
// hashes. The legacy admins.totp_secret column is not used.

func sealAD(adminID string) []byte { return []byte("adminauth/totp:" + adminID) }

// totpRow is an admin's stored TOTP state; zero when there is none.
type totpRow struct {
	sealed, pending string
	lastStep        int64
}

func getTOTP(ctx context.Context, tx *sqlstore.Tx, adminID string) (totpRow, error) {
	var t totpRow
	err := tx.QueryRow(ctx, `SELECT totp_sealed, totp_pending, totp_last_step FROM admin_totp WHERE admin_id = ?`, adminID).
		Scan(&t.sealed, &t.pending, &t.lastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return totpRow{}, nil
	}
	return t, err
}

func (s *Service) issuer() string {
	if s.Issuer != "" {
		return s.Issuer
	}
	return DefaultIssuer
}

// BeginTOTP makes a new TOTP seed for the admin and keeps it, sealed, until
// ConfirmTOTP proves the admin's authenticator app has it. An already
// enabled TOTP keeps working until then. ENOTFOUND if the admin is unknown.
func (s *Service) BeginTOTP(ctx context.Context, adminID string) (*userauth.TOTPEnrolment, error) {
	if s.Sealer == nil {
		return nil, errors.New("adminauth: no sealer configured for TOTP seeds")
	}
	var a *directory.Admin
	if err := s.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		a, err = tx.GetAdmin(ctx, adminID)
		return err
	}); err != nil {
		return nil, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.issuer(), AccountName: a.Email, Rand: s.rand()})
	if err != nil {
		return nil, fmt.Errorf("adminauth: totp: %w", err)
	}
	sealed, err := s.Sealer.Seal([]byte(key.Secret()), sealAD(adminID))
	if err != nil {
		return nil, err
	}
	now := sqlstore.TimeValue(s.now())
	err = s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO admin_totp (admin_id, totp_pending, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (admin_id) DO UPDATE SET totp_pending = excluded.totp_pending, updated_at = excluded.updated_at`, adminID, sealed, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.log().InfoContext(ctx, "admin totp enrolment started", "admin", adminID)
	return &userauth.TOTPEnrolment{Secret: key.Secret(), URL: key.URL()}, nil
}

// ConfirmTOTP checks a code of the pending seed; on success the seed
// becomes the admin's second factor and userauth.RecoveryCodeCount fresh
// recovery codes replace any earlier ones. The codes are returned once;
// only their hashes are kept. ErrBadCode for a wrong code, EPRECONDITION
// when no enrolment is pending.
func (s *Service) ConfirmTOTP(ctx context.Context, adminID, code string) ([]string, error) {
	codes := make([]string, userauth.RecoveryCodeCount)
	for i := range codes {
		c, err := userauth.NewRecoveryCode(s.rand())
		if err != nil {
			return nil, err
		}
		codes[i] = c
	}
	now := s.now()
	err := s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		t, err := getTOTP(ctx, tx, adminID)
		if err != nil {
			return err
		}
		if t.pending == "" {
			return directory.Errorf(directory.EPRECONDITION, "no TOTP enrolment is pending")
		}
		secret, err := s.Sealer.Open(t.pending, sealAD(adminID))
		if err != nil {
			return err
		}
		step, ok := userauth.MatchTOTP(string(secret), code, now.Unix(), 0)
		if !ok {
			return ErrBadCode
		}
		if _, err := tx.Exec(ctx, `UPDATE admin_totp SET totp_sealed = totp_pending, totp_pending = '', totp_last_step = ?, updated_at = ? WHERE admin_id = ?`,
			step, sqlstore.TimeValue(now), adminID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM admin_recovery_codes WHERE admin_id = ?`, adminID); err != nil {
			return err
		}
		for _, c := range codes {
			if _, err := tx.Exec(ctx, `INSERT INTO admin_recovery_codes (admin_id, code_hash) VALUES (?, ?)`,
				adminID, userauth.HashToken(userauth.NormalizeRecoveryCode(c))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrBadCode) {
			s.log().WarnContext(ctx, "admin totp confirmation refused", "admin", adminID, "reason", "wrong code")
		}
		return nil, err
	}
	s.log().InfoContext(ctx, "admin totp enabled", "admin", adminID)
	return codes, nil
}

// DisableTOTP turns the admin's TOTP off and deletes the recovery codes. It
// needs a valid code: a current TOTP code not used before, or an unused
// recovery code (for an admin who lost the device). A wrong code gives
// ErrBadCode and counts against the admin's second-factor throttle; too
// many give ErrThrottled. EPRECONDITION when TOTP is not enabled.
func (s *Service) DisableTOTP(ctx context.Context, adminID, code string) error {
	on, _, err := s.TOTPEnabled(ctx, adminID)
	if err != nil {
		return err
	}
	if !on {
		return directory.Errorf(directory.EPRECONDITION, "TOTP is not enabled")
	}
	log := s.log().With("admin", adminID)
	which, err := s.throttled(ctx, mfaKey(adminID), "")
	if err != nil {
		return err
	}
	if which != "" {
		log.WarnContext(ctx, "admin totp disable refused", "reason", "throttled")
		return ErrThrottled
	}
	ok, how, err := s.checkSecondFactor(ctx, adminID, code)
	if err != nil {
		return err
	}
	if !ok {
		log.WarnContext(ctx, "admin totp disable refused", "reason", "wrong code")
		if err := s.recordFailure(ctx, mfaKey(adminID), ""); err != nil {
			return err
		}
		return ErrBadCode
	}
	err = s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM admin_totp WHERE admin_id = ?`, adminID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM admin_recovery_codes WHERE admin_id = ?`, adminID); err != nil {
			return err
		}
		return clearFailures(ctx, tx, mfaKey(adminID))
	})
	if err != nil {
		return err
	}
	log.InfoContext(ctx, "admin totp disabled", "method", how)
	return nil
}

// TOTPEnabled reports whether the admin has a confirmed TOTP seed, and how
// many unused recovery codes remain.
func (s *Service) TOTPEnabled(ctx context.Context, adminID string) (enabled bool, recoveryLeft int, err error) {
	err = s.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		t, err := getTOTP(ctx, tx, adminID)
		if err != nil {
			return err
		}
		enabled = t.sealed != ""
		return tx.QueryRow(ctx, `SELECT count(*) FROM admin_recovery_codes WHERE admin_id = ? AND used_at IS NULL`, adminID).Scan(&recoveryLeft)
	})
	return enabled, recoveryLeft, err
}

// checkSecondFactor accepts a TOTP code not used before (a code's step must
// be later than the last accepted one, so a code cannot be replayed within
// its window) or an unused recovery code, which it uses up.
func (s *Service) checkSecondFactor(ctx context.Context, adminID, code string) (ok bool, method string, err error) {
	if len(code) > 64 {
		return false, "", nil
	}
	now := s.now()
	err = s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		t, err := getTOTP(ctx, tx, adminID)
		if err != nil || t.sealed == "" {
			return err
		}
		if len(strings.TrimSpace(code)) == 6 {
			secret, err := s.Sealer.Open(t.sealed, sealAD(adminID))
			if err != nil {
				return err
			}
			step, match := userauth.MatchTOTP(string(secret), code, now.Unix(), t.lastStep)
			if !match {
				return nil
			}
			res, err := tx.Exec(ctx, `UPDATE admin_totp SET totp_last_step = ? WHERE admin_id = ? AND totp_last_step < ?`, step, adminID, step)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			ok, method = n == 1, "totp"
			return nil
		}
		norm := userauth.NormalizeRecoveryCode(code)
		if len(norm) != 16 {
			return nil
		}
		res, err := tx.Exec(ctx, `UPDATE admin_recovery_codes SET used_at = ? WHERE admin_id = ? AND code_hash = ? AND used_at IS NULL`,
			sqlstore.TimeValue(now), adminID, userauth.HashToken(norm))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		ok, method = n == 1, "recovery code"
		return nil
	})
	return ok, method, err
}

package userauth

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// RecoveryCodeCount is how many recovery codes a TOTP enrolment gives.
const RecoveryCodeCount = 10

const totpPeriod = 30

// TOTPEnrolment is a TOTP seed waiting for its first code.
type TOTPEnrolment struct {
	Secret string // base32, for manual entry
	URL    string // otpauth:// URL, for a QR code
}

func sealAD(userID string) []byte { return []byte("userauth/totp:" + userID) }

// BeginTOTP makes a new TOTP seed for the user and keeps it, sealed, until
// ConfirmTOTP proves the user's app has it. An already enabled TOTP keeps
// working until then.
func (s *Service) BeginTOTP(ctx context.Context, userID string) (*TOTPEnrolment, error) {
	if s.Sealer == nil {
		return nil, errors.New("userauth: no sealer configured for TOTP seeds")
	}
	var u *directory.User
	if err := s.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		u, err = tx.GetUser(ctx, userID)
		return err
	}); err != nil {
		return nil, err
	}
	issuer := s.Issuer
	if issuer == "" {
		issuer = "Jumpgate"
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: u.Email, Rand: s.rand()})
	if err != nil {
		return nil, fmt.Errorf("userauth: totp: %w", err)
	}
	sealed, err := s.Sealer.Seal([]byte(key.Secret()), sealAD(userID))
	if err != nil {
		return nil, err
	}
	now := sqlstore.TimeValue(s.now())
	err = s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO user_credentials (user_id, totp_pending, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET totp_pending = excluded.totp_pending, updated_at = excluded.updated_at`, userID, sealed, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &TOTPEnrolment{Secret: key.Secret(), URL: key.URL()}, nil
}

// ConfirmTOTP checks a code of the pending seed; on success the seed
// becomes the user's second factor and RecoveryCodeCount fresh recovery
// codes replace any earlier ones. The codes are returned once; only their
// hashes are kept. ErrBadCode for a wrong code, EPRECONDITION when no
// enrolment is pending.
func (s *Service) ConfirmTOTP(ctx context.Context, userID, code string) ([]string, error) {
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		c, err := NewRecoveryCode(s.rand())
		if err != nil {
			return nil, err
		}
		codes[i] = c
	}
	err := s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		cred, err := getCredential(ctx, tx, userID)
		if err != nil {
			return err
		}
		if cred.totpPending == "" {
			return directory.Errorf(directory.EPRECONDITION, "no TOTP enrolment is pending")
		}
		secret, err := s.Sealer.Open(cred.totpPending, sealAD(userID))
		if err != nil {
			return err
		}
		step, ok := MatchTOTP(string(secret), code, s.now().Unix(), 0)
		if !ok {
			return ErrBadCode
		}
		if _, err := tx.Exec(ctx, `UPDATE user_credentials SET totp_sealed = totp_pending, totp_pending = '', totp_last_step = ?, updated_at = ? WHERE user_id = ?`,
			step, sqlstore.TimeValue(s.now()), userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_recovery_codes WHERE user_id = ?`, userID); err != nil {
			return err
		}
		for _, c := range codes {
			if _, err := tx.Exec(ctx, `INSERT INTO user_recovery_codes (user_id, code_hash) VALUES (?, ?)`, userID, HashToken(NormalizeRecoveryCode(c))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log().InfoContext(ctx, "totp enabled", "user", userID)
	return codes, nil
}

// TOTPEnabled reports whether the user has a confirmed TOTP seed, and how
// many unused recovery codes remain.
func (s *Service) TOTPEnabled(ctx context.Context, userID string) (enabled bool, recoveryLeft int, err error) {
	err = s.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		cred, err := getCredential(ctx, tx, userID)
		if err != nil {
			return err
		}
		enabled = cred.totpSealed != ""
		return tx.QueryRow(ctx, `SELECT count(*) FROM user_recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID).Scan(&recoveryLeft)
	})
	return enabled, recoveryLeft, err
}

// MatchTOTP finds the step (within ±1 period of now, Unix seconds) whose
// six-digit SHA-1 code for the base32 secret equals code and is later than
// after; it compares in constant time. Storing the step returned and passing
// it as after next time refuses a replayed code.
func MatchTOTP(secret, code string, now, after int64) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0, false
	}
	cur := now / totpPeriod
	for _, step := range []int64{cur - 1, cur, cur + 1} {
		if step <= after {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, timeOfStep(step), totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// checkSecondFactor accepts a TOTP code not used before (a code's step must
// be later than the last accepted one, so a code cannot be replayed within
// its window) or an unused recovery code, which it uses up.
func (s *Service) checkSecondFactor(ctx context.Context, userID, code string) (ok bool, method string, err error) {
	err = s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		cred, err := getCredential(ctx, tx, userID)
		if err != nil {
			return err
		}
		if cred.totpSealed == "" {
			return nil
		}
		if len(strings.TrimSpace(code)) == 6 {
			secret, err := s.Sealer.Open(cred.totpSealed, sealAD(userID))
			if err != nil {
				return err
			}
			step, match := MatchTOTP(string(secret), code, s.now().Unix(), cred.totpLastStep)
			if !match {
				return nil
			}
			res, err := tx.Exec(ctx, `UPDATE user_credentials SET totp_last_step = ? WHERE user_id = ? AND totp_last_step < ?`, step, userID, step)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			ok, method = n == 1, "totp"
			return nil
		}
		norm := NormalizeRecoveryCode(code)
		if len(norm) != 16 {
			return nil
		}
		res, err := tx.Exec(ctx, `UPDATE user_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`,
			sqlstore.TimeValue(s.now()), userID, HashToken(norm))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		ok, method = n == 1, "recovery code"
		return nil
	})
	if errors.Is(err, sql.ErrNoRows) {
		return false, "", nil
	}
	return ok, method, err
}

var recoveryEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewRecoveryCode returns 80 random bits as xxxx-xxxx-xxxx-xxxx (base32).
func NewRecoveryCode(r io.Reader) (string, error) {
	b := make([]byte, 10)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("userauth: random: %w", err)
	}
	s := strings.ToLower(recoveryEncoding.EncodeToString(b))
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16], nil
}

// NormalizeRecoveryCode is the form of a recovery code that is hashed and
// compared: lower case, without dashes or spaces.
func NormalizeRecoveryCode(code string) string {
	return strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
}
func timeOfStep(step int64) time.Time { return time.Unix(step*totpPeriod, 0) }

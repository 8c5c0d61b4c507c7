package userauth

import (
	"context"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Throttling counts failed sign-ins in the database (login_failures), one
// row per failure and key, so that every replica sees the same counts. A
// user's key is "acct:<login lower-cased>" or "ip:<client address>"; other
// packages use their own prefixes in the same table. The window slides with
// the clock, and rows older than it are deleted whenever a failure is
// recorded.

func accountKey(login string) string { return "acct:" + strings.ToLower(strings.TrimSpace(login)) }
func addressKey(ip string) string    { return "ip:" + ip }

// Throttle counts failed sign-ins per account key and per address key in
// login_failures. Zero fields take the package defaults.
type Throttle struct {
	Store         *sqlstore.Store
	Window        time.Duration // default DefaultThrottleWindow
	MaxPerAccount int           // default DefaultMaxPerAccount
	MaxPerAddress int           // default DefaultMaxPerAddress
}

func (t Throttle) window() time.Duration { return orDefault(t.Window, DefaultThrottleWindow) }

// Limited reports whether the account key or the address key (skipped when
// "") has reached its limit of failures within the window before now, and
// which: "account", "address" or "".
func (t Throttle) Limited(ctx context.Context, now time.Time, acctKey, addrKey string) (string, error) {
	since := sqlstore.TimeValue(now.Add(-t.window()))
	var acct, addr int
	err := t.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM login_failures WHERE throttle_key = ? AND at > ?`, acctKey, since).Scan(&acct); err != nil {
			return err
		}
		if addrKey == "" {
			return nil
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM login_failures WHERE throttle_key = ? AND at > ?`, addrKey, since).Scan(&addr)
	})
	switch {
	case err != nil:
		return "", err
	case acct >= orDefault(t.MaxPerAccount, DefaultMaxPerAccount):
		return "account", nil
	case addrKey != "" && addr >= orDefault(t.MaxPerAddress, DefaultMaxPerAddress):
		return "address", nil
	}
	return "", nil
}

// Record counts one failed attempt at now for each non-empty key.
func (t Throttle) Record(ctx context.Context, now time.Time, keys ...string) error {
	return t.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		// Forget every failure that has left the window, whatever its key.
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE at <= ?`, sqlstore.TimeValue(now.Add(-t.window()))); err != nil {
			return err
		}
		for _, k := range keys {
			if k == "" {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO login_failures (throttle_key, at) VALUES (?, ?)`, k, sqlstore.TimeValue(now)); err != nil {
				return err
			}
		}
		return nil
	})
}

// ClearFailures forgets key's failures, in tx (after a successful sign-in).
func ClearFailures(ctx context.Context, tx *sqlstore.Tx, key string) error {
	_, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE throttle_key = ?`, key)
	return err
}

func (s *Service) throttle() Throttle {
	return Throttle{Store: s.Store, Window: s.ThrottleWindow, MaxPerAccount: s.MaxPerAccount, MaxPerAddress: s.MaxPerAddress}
}

// throttled reports whether the account or the address has reached its
// limit of failures within the window, and which.
func (s *Service) throttled(ctx context.Context, login, ip string) (string, error) {
	addr := ""
	if ip != "" {
		addr = addressKey(ip)
	}
	return s.throttle().Limited(ctx, s.now(), accountKey(login), addr)
}

// recordFailure counts one failed attempt for the account and the address.
func (s *Service) recordFailure(ctx context.Context, login, ip string) error {
	addr := ""
	if ip != "" {
		addr = addressKey(ip)
	}
	return s.throttle().Record(ctx, s.now(), accountKey(login), addr)
}

// clearAccount forgets the account's failures after a successful sign-in.
func clearAccount(ctx context.Context, tx *sqlstore.Tx, login string) error {
	return ClearFailures(ctx, tx, accountKey(login))
}

package userauth

import (
	"context"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Throttling counts failed sign-ins in the database (login_failures), one
// row per failure and key, so that every replica sees the same counts. A key
// is "acct:<login lower-cased>" or "ip:<client address>"; the window slides
// with the clock, and rows older than it are deleted whenever a failure is
// recorded.

func accountKey(login string) string { return "acct:" + strings.ToLower(strings.TrimSpace(login)) }
func addressKey(ip string) string    { return "ip:" + ip }

func (s *Service) window() time.Duration { return orDefault(s.ThrottleWindow, DefaultThrottleWindow) }

// throttled reports whether the account or the address has reached its
// limit of failures within the window, and which.
func (s *Service) throttled(ctx context.Context, login, ip string) (string, error) {
	since := sqlstore.TimeValue(s.now().Add(-s.window()))
	var acct, addr int
	err := s.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM login_failures WHERE throttle_key = ? AND at > ?`, accountKey(login), since).Scan(&acct); err != nil {
			return err
		}
		if ip == "" {
			return nil
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM login_failures WHERE throttle_key = ? AND at > ?`, addressKey(ip), since).Scan(&addr)
	})
	switch {
	case err != nil:
		return "", err
	case acct >= orDefault(s.MaxPerAccount, DefaultMaxPerAccount):
		return "account", nil
	case addr >= orDefault(s.MaxPerAddress, DefaultMaxPerAddress):
		return "address", nil
	}
	return "", nil
}

// recordFailure counts one failed attempt for the account and the address.
func (s *Service) recordFailure(ctx context.Context, login, ip string) error {
	now := s.now()
	return s.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		keys := []string{accountKey(login)}
		if ip != "" {
			keys = append(keys, addressKey(ip))
		}
		// Forget every failure that has left the window, whatever its key.
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE at <= ?`, sqlstore.TimeValue(now.Add(-s.window()))); err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := tx.Exec(ctx, `INSERT INTO login_failures (throttle_key, at) VALUES (?, ?)`, k, sqlstore.TimeValue(now)); err != nil {
				return err
			}
		}
		return nil
	})
}

// clearAccount forgets the account's failures after a successful sign-in.
func clearAccount(ctx context.Context, tx *sqlstore.Tx, login string) error {
	_, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE throttle_key = ?`, accountKey(login))
	return err
}

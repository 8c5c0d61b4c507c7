package adminauth

import (
	"context"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

// Failed admin sign-ins are counted in login_failures (see
// userauth.Throttle) under their own keys: "admin-acct:<email lower-cased>"
// for passwords, "admin-mfa:<admin id>" for second-factor codes (cleared
// only by a good code, so a known password cannot reset the count of wrong
// codes) and "admin-ip:<client address>" for both.

func accountKey(email string) string {
	return "admin-acct:" + strings.ToLower(strings.TrimSpace(email))
}
func mfaKey(adminID string) string { return "admin-mfa:" + adminID }
func addressKey(ip string) string {
	if ip == "" {
		return ""
	}
	return "admin-ip:" + ip
}

func (s *Service) throttle() userauth.Throttle {
	return userauth.Throttle{Store: s.Store, Window: s.ThrottleWindow, MaxPerAccount: s.MaxPerAccount, MaxPerAddress: s.MaxPerAddress}
}

// throttled reports which limit (account or address) acctKey and ip have
// reached, or "".
func (s *Service) throttled(ctx context.Context, acctKey, ip string) (string, error) {
	return s.throttle().Limited(ctx, s.now(), acctKey, addressKey(ip))
}

func (s *Service) recordFailure(ctx context.Context, acctKey, ip string) error {
	return s.throttle().Record(ctx, s.now(), acctKey, addressKey(ip))
}

func clearFailures(ctx context.Context, tx *sqlstore.Tx, acctKey string) error {
	return userauth.ClearFailures(ctx, tx, acctKey)
}

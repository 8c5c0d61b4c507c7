package auth

import (
	"context"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// Principal is an authenticated administrator and the key they used.
type Principal struct {
	Admin directory.Admin
	Key   directory.APIKey
}

// CanWrite reports whether the principal may change things: only the admin
// role may; read_only may only read.
func (p *Principal) CanWrite() bool { return p.Admin.Role == directory.RoleAdmin }

// Actor returns the change actor for the principal.
func (p *Principal) Actor() directory.Actor {
	return directory.Actor{Type: directory.ActorAdmin, ID: p.Admin.ID, Email: p.Admin.Email}
}

// Authenticator checks API keys against the store.
type Authenticator struct {
	Store directory.Store
	Now   func() time.Time
}

// AuthenticateAPIKey returns the principal of token. Every refusal is an
// EUNAUTHORIZED *Error with the public message "invalid API key" whose Err
// (for the log only) says why. A store failure is returned as it is.
func (a *Authenticator) AuthenticateAPIKey(ctx context.Context, token string) (*Principal, error) {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	refuse := func(cause error) error {
		return &directory.Error{Code: directory.EUNAUTHORIZED, Message: "invalid API key", Err: cause}
	}
	prefix, secret, err := ParseAPIKeyToken(token)
	if err != nil {
		return nil, refuse(err)
	}
	var p Principal
	err = a.Store.View(ctx, func(tx directory.Tx) error {
		k, err := tx.GetAPIKeyByPrefix(ctx, prefix)
		if err != nil {
			return err
		}
		p.Key = *k
		ad, err := tx.GetAdmin(ctx, k.AdminID)
		if err != nil {
			return err
		}
		p.Admin = *ad
		return nil
	})
	if directory.ErrorCode(err) == directory.ENOTFOUND {
		return nil, refuse(ErrKeyUnknown)
	}
	if err != nil {
		return nil, err
	}
	t := now()
	if err := CheckAPIKey(&p.Key, secret, t); err != nil {
		return nil, refuse(err)
	}
	if NeedsTouch(&p.Key, t) {
		// Recording use is best effort: a failure leaves the request authentic.
		if err := a.Store.Update(ctx, func(tx directory.Tx) error { return tx.TouchAPIKey(ctx, p.Key.ID, t) }); err == nil {
			p.Key.LastUsedAt = &t
		}
	}
	return &p, nil
}

package importer

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

// Per-user outcomes.
const (
	OutcomeCreated = "created"
	OutcomeSkipped = "skipped_existing"
	OutcomeFailed  = "failed"
)

// UserResult is what an import did with one application user.
type UserResult struct {
	ID              string     `json:"id"` // the application's id
	Email           string     `json:"email"`
	Outcome         string     `json:"outcome"`
	Reason          string     `json:"reason,omitempty"`
	UserID          string     `json:"userId,omitempty"` // the directory user
	Username        string     `json:"username,omitempty"`
	ActivationToken string     `json:"activationToken,omitempty"`
	ActivationURL   string     `json:"activationUrl,omitempty"`
	ActivationUntil *time.Time `json:"activationExpires,omitempty"`
	Managed         *bool      `json:"managed,omitempty"`
	Warning         string     `json:"warning,omitempty"`
}

// mapUser computes the directory user for an application user; the username
// and employee identifier are checked with n.
func mapUser(n *names, ru connector.RemoteUser) (directory.User, error) {
	u := asUser(ru)
	if u.Email == "" || !directory.ValidEmail(u.Email) {
		return u, fmt.Errorf("no valid e-mail address")
	}
	if !ownUsername(u) || n.usernameTaken(u.Username) {
		u.Username = uniqueUsername(n, u.Email)
	}
	if u.EmployeeID != "" && n.employeeTaken(u.EmployeeID) {
		u.EmployeeID = ""
	}
	return u, nil
}

// asUser is the application user as a directory user, as given.
func asUser(ru connector.RemoteUser) directory.User {
	u := directory.User{Email: ru.Email, Username: ru.UserName, FirstName: ru.GivenName, LastName: ru.FamilyName,
		DisplayName: ru.DisplayName, EmployeeID: ru.ExternalID, State: directory.UserActivated}
	u.Normalize()
	return u
}

// ownUsername reports whether u may keep the application's username (if
// free): only when u as a whole is valid.
func ownUsername(u directory.User) bool { return u.Validate() == nil }

// usernameBase is the username derived from an e-mail address's local part.
func usernameBase(email string) string {
	local := email[:max(strings.LastIndexByte(email, '@'), 0)]
	var b strings.Builder
	for _, r := range local {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-+", r) {
			b.WriteRune(r)
		}
	}
	base := b.String()
	if base == "" {
		base = "user"
	}
	if len(base) > 100 {
		base = base[:100]
	}
	return base
}

// uniqueUsername derives a free username from the email's local part.
func uniqueUsername(n *names, email string) string {
	base := usernameBase(email)
	if !n.usernameTaken(base) {
		return base
	}
	for i := 2; ; i++ {
		c := base + strconv.Itoa(i)
		if !n.usernameTaken(c) {
			return c
		}
	}
}

// importOne imports one application user; existing users are never changed.
func (im *Importer) importOne(ctx context.Context, actor directory.Actor, appID string, ru connector.RemoteUser) UserResult {
	res := UserResult{ID: ru.ID, Email: strings.ToLower(strings.TrimSpace(ru.Email))}
	var (
		u        directory.User
		existing *directory.User
		mapErr   error
	)
	err := im.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		if res.Email != "" {
			e, err := tx.GetUserByEmail(ctx, res.Email)
			if err == nil {
				existing = e
				return nil
			} else if directory.ErrorCode(err) != directory.ENOTFOUND {
				return err
			}
		}
		u, mapErr = mapUser(newNames(ctx, tx), ru)
		return nil
	})
	switch {
	case err != nil:
		return failed(res, err)
	case existing != nil:
		return im.skipped(ctx, res, existing, appID)
	case mapErr != nil:
		return failed(res, mapErr)
	}
	made, err := im.Lifecycle.ImportUsers(ctx, actor, appID, []directory.User{u})
	if err != nil {
		var ex *directory.User
		if directory.ErrorCode(err) == directory.ECONFLICT {
			_ = im.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error { ex, _ = tx.GetUserByEmail(ctx, res.Email); return nil })
		}
		if ex != nil {
			return im.skipped(ctx, res, ex, appID)
		}
		return failed(res, err)
	}
	created := &made[0]
	var (
		link    *userauth.ActivationLink
		linkErr error
	)
	if im.Auth != nil {
		link, linkErr = im.Auth.CreateActivationLink(ctx, created.ID)
	}
	return im.createdResult(res, created, link, linkErr)
}

// createdResult completes the result of a created user with its activation
// link (none without Auth) or the reason it has none.
func (im *Importer) createdResult(res UserResult, u *directory.User, link *userauth.ActivationLink, linkErr error) UserResult {
	res.Outcome, res.UserID, res.Username = OutcomeCreated, u.ID, u.Username
	switch {
	case linkErr != nil:
		res.Reason = "user created; activation link failed: " + linkErr.Error()
	case link != nil:
		exp := link.ExpiresAt
		res.ActivationToken, res.ActivationUntil = link.Token, &exp
		if im.BaseURL != "" {
			res.ActivationURL = strings.TrimRight(im.BaseURL, "/") + "/activate?token=" + url.QueryEscape(link.Token)
		}
	}
	f := false // a new user is in no group, hence bound to nothing
	res.Managed, res.Warning = &f, UnmanagedWarning
	return res
}

func (im *Importer) skipped(ctx context.Context, res UserResult, u *directory.User, appID string) UserResult {
	var managed *bool
	err := im.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		m, err := managedUsers(ctx, tx, appID, []string{u.ID})
		if err == nil {
			v := m[u.ID]
			managed = &v
		}
		return err
	})
	if err != nil {
		managed = nil
	}
	return skippedResult(res, u, managed)
}

// skippedResult is the result for an existing user; managed is nil when
// unknown.
func skippedResult(res UserResult, u *directory.User, managed *bool) UserResult {
	res.Outcome, res.UserID, res.Username = OutcomeSkipped, u.ID, u.Username
	res.Reason = "a directory user with this e-mail address exists; it was not changed"
	if managed != nil {
		m := *managed
		res.Managed = &m
		if !m {
			res.Warning = UnmanagedWarning
		}
	}
	return res
}

func failed(res UserResult, err error) UserResult {
	res.Outcome = OutcomeFailed
	var de *directory.Error
	if errors.As(err, &de) {
		res.Reason = de.Message
	} else if ce := connector.AsError(err); ce != nil && ce.Detail != "" {
		res.Reason = ce.Detail
	} else {
		res.Reason = err.Error()
	}
	return res
}

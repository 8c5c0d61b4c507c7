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
// and employee identifier are checked against the directory in tx.
func mapUser(ctx context.Context, tx *sqlstore.Tx, ru connector.RemoteUser) (directory.User, error) {
	u := directory.User{Email: ru.Email, Username: ru.UserName, FirstName: ru.GivenName, LastName: ru.FamilyName,
		DisplayName: ru.DisplayName, EmployeeID: ru.ExternalID, State: directory.UserActivated}
	u.Normalize()
	if u.Email == "" || !directory.ValidEmail(u.Email) {
		return u, fmt.Errorf("no valid e-mail address")
	}
	probe := u
	if err := probe.Validate(); err != nil || taken(ctx, tx, u.Username) {
		u.Username = uniqueUsername(ctx, tx, u.Email)
	}
	if u.EmployeeID != "" {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE employee_id = ?`, u.EmployeeID).Scan(&n); err != nil || n > 0 {
			u.EmployeeID = ""
		}
	}
	return u, nil
}

func taken(ctx context.Context, tx *sqlstore.Tx, username string) bool {
	if username == "" {
		return true
	}
	_, err := tx.GetUserByUsername(ctx, username)
	return err == nil || directory.ErrorCode(err) != directory.ENOTFOUND
}

// uniqueUsername derives a free username from the email's local part.
func uniqueUsername(ctx context.Context, tx *sqlstore.Tx, email string) string {
	local := email[:strings.LastIndexByte(email, '@')]
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
	if !taken(ctx, tx, base) {
		return base
	}
	for i := 2; ; i++ {
		c := base + strconv.Itoa(i)
		if !taken(ctx, tx, c) {
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
		u, mapErr = mapUser(ctx, tx, ru)
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
	created, err := im.Lifecycle.CreateUser(ctx, actor, u)
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
	res.Outcome, res.UserID, res.Username = OutcomeCreated, created.ID, created.Username
	if im.Auth != nil {
		link, err := im.Auth.CreateActivationLink(ctx, created.ID)
		if err != nil {
			res.Reason = "user created; activation link failed: " + err.Error()
		} else {
			exp := link.ExpiresAt
			res.ActivationToken, res.ActivationUntil = link.Token, &exp
			if im.BaseURL != "" {
				res.ActivationURL = strings.TrimRight(im.BaseURL, "/") + "/activate?token=" + url.QueryEscape(link.Token)
			}
		}
	}
	f := false // a new user is in no group, hence bound to nothing
	res.Managed, res.Warning = &f, UnmanagedWarning
	return res
}

func (im *Importer) skipped(ctx context.Context, res UserResult, u *directory.User, appID string) UserResult {
	res.Outcome, res.UserID, res.Username = OutcomeSkipped, u.ID, u.Username
	res.Reason = "a directory user with this e-mail address exists; it was not changed"
	var n int
	err := im.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM group_members m JOIN app_groups a ON a.group_id = m.group_id
			WHERE m.user_id = ? AND a.app_id = ?`, u.ID, appID).Scan(&n)
	})
	if err == nil {
		m := n > 0
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

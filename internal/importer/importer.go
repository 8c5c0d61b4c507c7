package importer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

// SyncLimit is the largest selection imported at once; larger ones become jobs.
const SyncLimit = 100

// UnmanagedWarning is the guide's warning for imported users that are in no
// group bound to the application.
const UnmanagedWarning = "Imported users must be members of a user group bound to an application for Jumpgate to manage their identity in, and access to, the application."

// Candidate statuses.
const (
	StatusNew      = "new"
	StatusImported = "imported"
)

// Importer lists an application's users and imports them.
type Importer struct {
	Store     *sqlstore.Store
	Lifecycle *lifecycle.Service
	Auth      *userauth.Service
	Insights  *insights.Store
	Sealer    *secrets.Sealer
	Registry  *connector.Registry
	// HTTPClient is handed to connectors (default: a plain client).
	HTTPClient *http.Client
	// BaseURL prefixes activation links ("<base>/activate?token=...").
	BaseURL string
	// Mailer sends the end-of-job mail; nil sends none.
	Mailer Mailer
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Holder names this worker in job leases; each process (replica) needs
	// its own, e.g. lease.ProcessHolder(). Workers with the same name may
	// take each other's jobs at once.
	Holder string
}

// Mailer sends one plain-text message.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

func (im *Importer) now() time.Time {
	if im.Now != nil {
		return im.Now().UTC()
	}
	return time.Now().UTC()
}

// Candidate is one user of the application, as shown before an import.
type Candidate struct {
	ID          string `json:"id"`
	UserName    string `json:"userName"`
	Email       string `json:"email"`
	GivenName   string `json:"givenName,omitempty"`
	FamilyName  string `json:"familyName,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	ExternalID  string `json:"externalId,omitempty"`
	Active      bool   `json:"active"`
	Status      string `json:"status"` // new or imported
}

// ListOptions filter a listing.
type ListOptions struct {
	// NewFirst puts new users first.
	NewFirst bool
	// OnlyNew leaves out users already in the directory.
	OnlyNew bool
}

// open returns the application and its connector; EPRECONDITION when its
// identity management is not active.
func (im *Importer) open(ctx context.Context, appID string) (*directory.App, connector.Connector, error) {
	var (
		app                *directory.App
		kind, base, sealed string
		active             int
	)
	err := im.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		if app, err = tx.GetApp(ctx, appID); err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `SELECT kind, base_url, token_sealed, active FROM app_idm WHERE app_id = ?`, appID).
			Scan(&kind, &base, &sealed, &active)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if active == 0 || sealed == "" {
		return nil, nil, directory.Errorf(directory.EPRECONDITION, "identity management of application %q is not active", app.Label)
	}
	if im.Sealer == nil {
		return nil, nil, errors.New("importer: no sealer configured")
	}
	tok, err := im.Sealer.Open(sealed, []byte("idm:"+appID))
	if err != nil {
		return nil, nil, fmt.Errorf("importer: open token: %w", err)
	}
	conn, err := im.Registry.Open(ctx, connector.Config{Kind: kind, BaseURL: base, Token: string(tok), HTTPClient: im.HTTPClient, Now: im.now})
	if err != nil {
		return nil, nil, fmt.Errorf("importer: open connector: %w", err)
	}
	return app, conn, nil
}

// appError turns a connector failure into an EUNAVAILABLE error carrying
// the application's own detail.
func appError(app *directory.App, err error) error {
	detail := err.Error()
	if ce := connector.AsError(err); ce != nil && ce.Detail != "" {
		detail = ce.Detail
	}
	return &directory.Error{Code: directory.EUNAVAILABLE,
		Message: fmt.Sprintf("application %q cannot be read: %s", app.Label, detail), Err: err}
}

// fetch lists every user of the application.
func (im *Importer) fetch(ctx context.Context, appID string) (*directory.App, connector.Connector, []connector.RemoteUser, error) {
	app, conn, err := im.open(ctx, appID)
	if err != nil {
		return nil, nil, nil, err
	}
	var users []connector.RemoteUser
	err = conn.ListUsers(ctx, func(u connector.RemoteUser) error {
		users = append(users, u)
		return nil
	})
	if err != nil {
		return nil, nil, nil, appError(app, err)
	}
	return app, conn, users, nil
}

// ListUsers returns the application's users, each marked new or imported.
func (im *Importer) ListUsers(ctx context.Context, appID string, opt ListOptions) ([]Candidate, error) {
	_, _, users, err := im.fetch(ctx, appID)
	if err != nil {
		return nil, err
	}
	existing, err := im.existingEmails(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Candidate, 0, len(users))
	for _, u := range users {
		c := Candidate{ID: u.ID, UserName: u.UserName, Email: u.Email, GivenName: u.GivenName, FamilyName: u.FamilyName,
			DisplayName: u.DisplayName, ExternalID: u.ExternalID, Active: u.Active, Status: StatusNew}
		if existing[strings.ToLower(strings.TrimSpace(u.Email))] {
			c.Status = StatusImported
		}
		if opt.OnlyNew && c.Status != StatusNew {
			continue
		}
		out = append(out, c)
	}
	if opt.NewFirst {
		sort.SliceStable(out, func(i, j int) bool { return out[i].Status == StatusNew && out[j].Status != StatusNew })
	}
	return out, nil
}

// existingEmails returns the directory's email keys.
func (im *Importer) existingEmails(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	err := im.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(ctx, `SELECT email_key FROM users`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e string
			if err := rows.Scan(&e); err != nil {
				return err
			}
			out[e] = true
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("importer: read emails: %w", err)
	}
	return out, nil
}

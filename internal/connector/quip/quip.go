package quip

import (
	"context"
	"net/url"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/connector/scimclient"
	"github.com/jumpgate-idp/jumpgate/internal/scim"
)

// Kind is the registry kind of the Quip connector.
const Kind = "quip"

// Connector is the Quip connector. Besides connector.Connector and
// connector.Profile it implements connector.GroupReplacer (Quip has no
// group PATCH: membership is always a PUT of the full list),
// connector.SessionResetter and connector.EmailReleaser. It never sends
// userName (Quip assigns it) and never a group externalId; names are
// compared by the formatted full name, since Quip stores one full name
// and splits it back at the first space.
type Connector struct {
	*scimclient.Client
}

var (
	_ connector.Connector       = (*Connector)(nil)
	_ connector.Profile         = (*Connector)(nil)
	_ connector.GroupReplacer   = (*Connector)(nil)
	_ connector.SessionResetter = (*Connector)(nil)
	_ connector.EmailReleaser   = (*Connector)(nil)
	_ connector.UserComparer    = (*Connector)(nil)
)

// BaseURL turns what the admin pasted into the SCIM 2.0 base: the guide's
// https://{domain}.quip.com/business/admin/scim gets "/2" appended;
// a URL already ending in /2 (e.g. https://scim.quip.com/2) is kept.
func BaseURL(pasted string) string {
	b := strings.TrimRight(strings.TrimSpace(pasted), "/")
	if u, err := url.Parse(b); err == nil {
		u.RawQuery, u.Fragment = "", ""
		b = strings.TrimRight(u.String(), "/")
	}
	if strings.HasSuffix(b, "/2") {
		return b
	}
	return b + "/2"
}

// New returns a Quip connector. It makes no request.
func New(cfg connector.Config) (*Connector, error) {
	c, err := scimclient.New(cfg, BaseURL(cfg.BaseURL), scimclient.Options{
		PatchUsers:            true,
		NameByFormatted:       true,
		NeverSendUserName:     true,
		UserDeleteDeactivates: true,
		GroupLookupByListing:  true,
		ReadOnlyTest:          true,
		EmailFilterAttr:       "emails",
		// Quip's ServiceProviderConfig gives filter maxResults 1000.
		// Paging follows what each answer holds, so a server that
		// answers fewer only costs more pages, and an answer over
		// MaxResponseBytes is asked again with half the count.
		PageSize: 1000,
	})
	if err != nil {
		return nil, err
	}
	return &Connector{Client: c}, nil
}

// Open is the factory registered for Kind.
func Open(_ context.Context, cfg connector.Config) (connector.Connector, error) {
	return New(cfg)
}

// EndSessions implements connector.SessionResetter the way Quip
// documents it: PATCH active false, then PATCH active true. If the
// second call fails the user is left deactivated and the error is
// returned: the engine's next reconcile sets active again.
func (c *Connector) EndSessions(ctx context.Context, id string) error {
	if err := c.SetActive(ctx, id, false); err != nil {
		return err
	}
	return c.SetActive(ctx, id, true)
}

// ReleasedEmail is the harmless, unique address a released account gets:
// "released+<id>@invalid" (".invalid" is reserved by RFC 2606 and never
// delivers mail).
func ReleasedEmail(id string) string {
	return "released+" + id + "@invalid"
}

// ReleaseEmail implements connector.EmailReleaser with Quip's documented
// procedure: look the email up (deactivated users are found), and if a
// deactivated account holds it, PATCH that account's emails to
// ReleasedEmail(id). An active holder is a conflict and is not touched.
func (c *Connector) ReleaseEmail(ctx context.Context, email string) (string, error) {
	u, err := c.FindUserByEmail(ctx, email)
	if err != nil || u == nil {
		return "", err
	}
	if u.Active {
		return "", &connector.Error{Op: "ReleaseEmail", HTTPStatus: 409, SCIMType: scim.TypeUniqueness,
			Detail: "the email belongs to an active Quip account"}
	}
	v := []scim.Email{{Value: ReleasedEmail(u.ID), Type: scimclient.EmailType, Primary: true}}
	if err := c.PatchUser(ctx, u.ID, "ReleaseEmail", "replace", "emails", v); err != nil {
		return "", err
	}
	return u.ID, nil
}

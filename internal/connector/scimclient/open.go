package scimclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
)

// Kind is the registry kind of the generic connector.
const Kind = "scim"

// spc is the part of /ServiceProviderConfig the client reads.
type spc struct {
	Patch struct {
		Supported flexBool `json:"supported"`
	} `json:"patch"`
}

// Open is the generic connector's factory. The base URL is used as
// given. It reads /ServiceProviderConfig: when patch is supported the
// result is a *PatchingClient (user updates and group membership by
// PATCH); otherwise a *Client (PUT). A temporary failure is returned;
// any other failure (no discovery endpoint, 401) means "no PATCH".
func Open(ctx context.Context, cfg connector.Config) (connector.Connector, error) {
	c, err := New(cfg, cfg.BaseURL, Options{})
	if err != nil {
		return nil, err
	}
	var s spc
	if _, err := c.do(ctx, "ServiceProviderConfig", "GET", "/ServiceProviderConfig", nil, nil, &s); err != nil {
		if connector.IsTemporary(err) {
			return nil, err
		}
		return c, nil
	}
	if s.Patch.Supported.set && s.Patch.Supported.v {
		c.opt.PatchUsers, c.opt.PatchGroups = true, true
		return &PatchingClient{c}, nil
	}
	return c, nil
}

// TestConnection implements connector.Connector: GET /Users?count=1 must
// answer 200 (an empty list is fine). Unless Options.ReadOnlyTest, a
// test user and a test group are then created and removed (the user is
// deactivated when the app refuses DELETE with 403, 405 or 501).
func (c *Client) TestConnection(ctx context.Context) error {
	var page wireList
	if _, err := c.do(ctx, "TestConnection", "GET", "/Users", url.Values{"count": {"1"}}, nil, &page); err != nil {
		return err
	}
	if c.opt.ReadOnlyTest {
		return nil
	}
	stamp := c.cfg.Now().UnixNano()
	email := fmt.Sprintf("jumpgate-connection-test-%d@example.com", stamp)
	u, err := c.CreateUser(ctx, connector.User{UserName: email, Email: email, GivenName: "Jumpgate",
		FamilyName: "Connection Test", DisplayName: "Jumpgate Connection Test", Active: true})
	if err != nil {
		return testErr("create test user", err)
	}
	var gerr error
	if c.cfg.GroupsEnabled {
		g, err := c.CreateGroup(ctx, connector.Group{DisplayName: fmt.Sprintf("jumpgate-connection-test-%d", stamp)})
		if err != nil {
			gerr = testErr("create test group", err)
		} else if err := c.DeleteGroup(ctx, g.ID); err != nil {
			gerr = testErr("delete test group", err)
		}
	}
	if err := c.DeleteUser(ctx, u.ID); err != nil {
		ce := connector.AsError(err)
		if ce == nil || (ce.HTTPStatus != http.StatusMethodNotAllowed && ce.HTTPStatus != http.StatusNotImplemented && ce.HTTPStatus != http.StatusForbidden) {
			return errors.Join(gerr, testErr("delete test user", err))
		}
		if err := c.SetActive(ctx, u.ID, false); err != nil {
			return errors.Join(gerr, testErr("deactivate test user", err))
		}
	}
	return gerr
}

// testErr names the step of the connection test, keeping the *Error.
func testErr(step string, err error) error {
	if ce := connector.AsError(err); ce != nil {
		cp := *ce
		cp.Op = "TestConnection: " + step
		return &cp
	}
	return fmt.Errorf("TestConnection: %s: %w", step, err)
}

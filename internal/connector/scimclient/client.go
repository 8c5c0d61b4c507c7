package scimclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/scim"
)

// Options tune the client to one application's rules (a profile).
type Options struct {
	// PatchUsers sends user updates as PATCH (else PUT of the whole user).
	PatchUsers bool
	// PatchGroups sends renames as PATCH and makes PatchMembers
	// available (see Open).
	PatchGroups bool
	// NameByFormatted compares names by the formatted full name only
	// (apps that store one full name and split it back lossily).
	NameByFormatted bool
	// NeverSendUserName leaves userName out of every body (apps that
	// assign it themselves).
	NeverSendUserName bool
	// UserDeleteDeactivates: DELETE only deactivates users.
	UserDeleteDeactivates bool
	// GroupLookupByListing: GET /Groups has no filter.
	GroupLookupByListing bool
	// ReadOnlyTest makes TestConnection a GET /Users?count=1 only;
	// otherwise it also creates and removes a test user and group.
	ReadOnlyTest bool
	// PageSize is the count asked per list page (default 100).
	PageSize int
	// EmailFilterAttr is the attribute FindUserByEmail filters on
	// (default "emails.value"; Quip documents "emails").
	EmailFilterAttr string
}

// Client is the generic SCIM connector. It implements
// connector.Connector, connector.Profile and connector.GroupReplacer;
// Open returns a *PatchingClient (adding connector.GroupMemberPatcher)
// when the application supports PATCH.
type Client struct {
	cfg      connector.Config
	base     string
	opt      Options
	requests atomic.Int64
}

var (
	_ connector.Connector          = (*Client)(nil)
	_ connector.Profile            = (*Client)(nil)
	_ connector.GroupReplacer      = (*Client)(nil)
	_ connector.UserComparer       = (*Client)(nil)
	_ connector.GroupMemberPatcher = (*PatchingClient)(nil)
)

// New returns a client for base (used as given: requests go to
// base+"/Users"). It makes no request.
func New(cfg connector.Config, base string, opt Options) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, &connector.Error{Op: "New", Detail: "base URL must be an absolute http(s) URL"}
	}
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, &connector.Error{Op: "New", Detail: "token is required"}
	}
	if opt.PageSize <= 0 {
		opt.PageSize = 100
	}
	if opt.EmailFilterAttr == "" {
		opt.EmailFilterAttr = "emails.value"
	}
	u.RawQuery, u.Fragment = "", ""
	return &Client{cfg: cfg.WithDefaults(), base: strings.TrimRight(u.String(), "/"), opt: opt}, nil
}

// BaseURL is the SCIM base requests go to.
func (c *Client) BaseURL() string { return c.base }

// Requests is the number of HTTP requests sent so far.
func (c *Client) Requests() int64 { return c.requests.Load() }

// GroupsSupported implements connector.Profile.
func (c *Client) GroupsSupported() bool { return c.cfg.GroupsEnabled }

// UserDeleteDeactivates implements connector.Profile.
func (c *Client) UserDeleteDeactivates() bool { return c.opt.UserDeleteDeactivates }

// GroupLookupByListing implements connector.Profile.
func (c *Client) GroupLookupByListing() bool { return c.opt.GroupLookupByListing }

// errTooLarge marks an answer over MaxResponseBytes.
var errTooLarge = errors.New("answer body too large")

// do sends one request. body, when not nil, is JSON-encoded; out, when
// not nil, receives a 2xx JSON answer (left alone on an empty one). It
// returns the status of a 2xx answer; any other outcome is *connector.Error.
func (c *Client) do(ctx context.Context, op, method, path string, q url.Values, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, &connector.Error{Op: op, Detail: "cannot encode request", Err: err}
		}
		rd = bytes.NewReader(b)
	}
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	rctx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, method, u, rd)
	if err != nil {
		return 0, &connector.Error{Op: op, Detail: "cannot build request", Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	req.Header.Set("Accept", scim.ContentType+", application/json")
	if body != nil {
		req.Header.Set("Content-Type", scim.ContentType)
	}
	c.requests.Add(1)
	start := time.Now()
	resp, err := c.cfg.Doer.Do(req)
	if err != nil {
		c.exchange(method, path, 0, start, err)
		// The caller's own cancellation is not the application's fault,
		// but the call may still be retried later.
		return 0, &connector.Error{Op: op, Detail: "no answer", Temporary: true, Err: err}
	}
	defer resp.Body.Close()
	c.rateLimit(resp.Header)
	raw, rerr := readLimited(resp.Body, c.cfg.MaxResponseBytes)
	c.exchange(method, path, resp.StatusCode, start, rerr)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if rerr != nil {
			return 0, &connector.Error{Op: op, HTTPStatus: resp.StatusCode, Detail: "answer unreadable",
				Temporary: !errors.Is(rerr, errTooLarge), Err: rerr}
		}
		if out != nil && len(bytes.TrimSpace(raw)) > 0 {
			if err := json.Unmarshal(raw, out); err != nil {
				return 0, &connector.Error{Op: op, HTTPStatus: resp.StatusCode, Detail: "answer is not valid SCIM JSON", Err: err}
			}
		}
		return resp.StatusCode, nil
	}
	return 0, responseError(op, resp.StatusCode, resp.Header, raw, c.cfg.Now())
}

func (c *Client) exchange(method, path string, status int, start time.Time, err error) {
	if c.cfg.OnExchange != nil {
		c.cfg.OnExchange(connector.Exchange{Method: method, Path: path, Status: status, Duration: time.Since(start), Err: err})
	}
}

func (c *Client) rateLimit(h http.Header) {
	if c.cfg.OnRateLimit == nil {
		return
	}
	if info, ok := RateLimitFromHeader(h, c.cfg.Now()); ok {
		c.cfg.OnRateLimit(info)
	}
}

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return b, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w (over %d bytes)", errTooLarge, limit)
	}
	return b, nil
}

func userPath(id string) string  { return "/Users/" + url.PathEscape(id) }
func groupPath(id string) string { return "/Groups/" + url.PathEscape(id) }

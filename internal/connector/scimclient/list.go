package scimclient

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
)

// maxListed bounds one walk, against servers that never stop paging.
const maxListed = 5_000_000

// list walks path page by page from startIndex 1, calling each for every
// resource, until totalResults are seen or a page is empty. It never
// assumes a page is full: the next startIndex follows what came. A page
// over MaxResponseBytes is asked again with half the count.
func (c *Client) list(ctx context.Context, op, path string, q url.Values, each func(json.RawMessage) error) error {
	count, start, seen := c.opt.PageSize, 1, 0
	for {
		if err := ctx.Err(); err != nil {
			return &connector.Error{Op: op, Detail: "cancelled", Temporary: true, Err: err}
		}
		pq := url.Values{}
		for k, v := range q {
			pq[k] = v
		}
		pq.Set("startIndex", strconv.Itoa(start))
		pq.Set("count", strconv.Itoa(count))
		var page wireList
		if _, err := c.do(ctx, op, "GET", path, pq, nil, &page); err != nil {
			if ce := connector.AsError(err); ce != nil && errors.Is(ce.Err, errTooLarge) && count > 1 {
				count /= 2
				continue
			}
			return err
		}
		for _, r := range page.Resources {
			if err := each(r); err != nil {
				return err
			}
		}
		seen += len(page.Resources)
		if len(page.Resources) == 0 || seen >= int(page.TotalResults) || seen >= maxListed {
			return nil
		}
		start += len(page.Resources)
	}
}

// ListUsers implements connector.Connector.
func (c *Client) ListUsers(ctx context.Context, fn func(connector.RemoteUser) error) error {
	return c.list(ctx, "ListUsers", "/Users", nil, func(raw json.RawMessage) error {
		u, err := DecodeUser(raw)
		if err != nil {
			return &connector.Error{Op: "ListUsers", Detail: "answer holds an invalid user", Err: err}
		}
		return fn(u)
	})
}

// ListGroups implements connector.Connector.
func (c *Client) ListGroups(ctx context.Context, fn func(connector.RemoteGroup) error) error {
	return c.list(ctx, "ListGroups", "/Groups", nil, func(raw json.RawMessage) error {
		g, err := DecodeGroup(raw)
		if err != nil {
			return &connector.Error{Op: "ListGroups", Detail: "answer holds an invalid group", Err: err}
		}
		return fn(g)
	})
}

package apiclient

import (
	"context"

	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

// QueryEvents returns one page of Directory Insights events.
func (c *Client) QueryEvents(ctx context.Context, q api.EventQuery) (*api.EventPage, error) {
	var out api.EventPage
	if err := c.do(ctx, "POST", "/api/v1/insights/events", nil, q, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CountEvents returns how many events q selects.
func (c *Client) CountEvents(ctx context.Context, q api.EventQuery) (int64, error) {
	var out struct {
		Count int64 `json:"count"`
	}
	if err := c.do(ctx, "POST", "/api/v1/insights/events/count", nil, q, &out); err != nil {
		return 0, err
	}
	return out.Count, nil
}

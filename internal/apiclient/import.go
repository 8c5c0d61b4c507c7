package apiclient

import (
	"context"
	"net/url"

	"github.com/jumpgate-idp/jumpgate/internal/importer"
	"github.com/jumpgate-idp/jumpgate/internal/mail"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

// ImportList is the answer of GET /api/v1/apps/{id}/import/users.
type ImportList struct {
	Users []importer.Candidate `json:"users"`
	Total int                  `json:"total"`
	New   int                  `json:"new"`
}

// ImportUsers lists an application's users marked new or imported; onlyNew
// leaves out imported ones, new users come first.
func (c *Client) ImportUsers(ctx context.Context, appID string, onlyNew bool) (*ImportList, error) {
	q := url.Values{"new_first": {"true"}}
	if onlyNew {
		q.Set("only_new", "true")
	}
	var l ImportList
	return &l, c.do(ctx, "GET", "/api/v1/apps/"+esc(appID)+"/import/users", q, nil, &l)
}

// Import imports the named users (or all): per-user results, or a job when
// more than importer.SyncLimit are selected.
func (c *Client) Import(ctx context.Context, appID string, in api.ImportInput) (*importer.Result, error) {
	var r importer.Result
	return &r, c.do(ctx, "POST", "/api/v1/apps/"+esc(appID)+"/import", nil, in, &r)
}

// ImportJob returns an import job's progress.
func (c *Client) ImportJob(ctx context.Context, id string) (*importer.Job, error) {
	var j importer.Job
	return &j, c.do(ctx, "GET", "/api/v1/imports/"+esc(id), nil, nil, &j)
}

// Outbox lists mail kept locally (no SMTP server configured).
func (c *Client) Outbox(ctx context.Context) ([]mail.Message, error) {
	var out struct {
		Messages []mail.Message `json:"messages"`
	}
	return out.Messages, c.do(ctx, "GET", "/api/v1/outbox", nil, nil, &out)
}

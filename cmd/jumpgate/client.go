package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/apiclient"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// clientFlags are the flags of every command that talks to the API.
type clientFlags struct {
	URL    string `name:"url" placeholder:"URL" help:"Jumpgate server URL (env JUMPGATE_URL)."`
	APIKey string `name:"api-key" placeholder:"KEY" help:"API key jg_... (env JUMPGATE_API_KEY)."`
	JSON   bool   `name:"json" help:"Print JSON instead of a table."`
}

func (f *clientFlags) client(m *Main) (*apiclient.Client, error) {
	url, key := f.URL, f.APIKey
	if url == "" {
		url = m.getenv("JUMPGATE_URL")
	}
	if key == "" {
		key = m.getenv("JUMPGATE_API_KEY")
	}
	var missing []string
	if url == "" {
		missing = append(missing, "--url (or JUMPGATE_URL)")
	}
	if key == "" {
		missing = append(missing, "--api-key (or JUMPGATE_API_KEY)")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing %s: `jumpgate demo` prints both", strings.Join(missing, " and "))
	}
	return &apiclient.Client{BaseURL: url, APIKey: key}, nil
}

// listFlags are the paging, search and sort flags of lists.
type listFlags struct {
	Limit  int    `name:"limit" help:"Page size (default 50, at most 1000)."`
	Offset int    `name:"offset" help:"Items to skip."`
	Query  string `name:"q" help:"Search (case-insensitive substring)."`
	Sort   string `name:"sort" help:"Sort key."`
	Order  string `name:"order" enum:"asc,desc," default:"" help:"asc or desc."`
}

func (f listFlags) options() apiclient.ListOptions {
	return apiclient.ListOptions{Limit: f.Limit, Offset: f.Offset, Query: f.Query, Sort: f.Sort, Order: f.Order}
}

// resolveUser finds a user by id, or else by exact username or email.
func resolveUser(ctx context.Context, c *apiclient.Client, ref string) (*directory.User, error) {
	u, err := c.GetUser(ctx, ref)
	if err == nil || !apiclient.IsNotFound(err) {
		return u, err
	}
	page, lerr := c.ListUsers(ctx, apiclient.ListOptions{Query: ref, Limit: directory.MaxPageSize})
	if lerr != nil {
		return nil, lerr
	}
	for i := range page.Items {
		if strings.EqualFold(page.Items[i].Username, ref) || strings.EqualFold(page.Items[i].Email, ref) {
			return &page.Items[i], nil
		}
	}
	return nil, fmt.Errorf("no user with id, username or email %q", ref)
}

// resolveGroup finds a group by id, or else by exact name.
func resolveGroup(ctx context.Context, c *apiclient.Client, ref string) (*directory.Group, error) {
	g, err := c.GetGroup(ctx, ref)
	if err == nil || !apiclient.IsNotFound(err) {
		return g, err
	}
	page, lerr := c.ListGroups(ctx, apiclient.ListOptions{Query: ref, Limit: directory.MaxPageSize})
	if lerr != nil {
		return nil, lerr
	}
	for i := range page.Items {
		if strings.EqualFold(page.Items[i].Name, ref) {
			return &page.Items[i], nil
		}
	}
	return nil, fmt.Errorf("no group with id or name %q", ref)
}

func resolveUserIDs(ctx context.Context, c *apiclient.Client, refs []string) ([]string, error) {
	ids := make([]string, 0, len(refs))
	var errs []error
	for _, ref := range refs {
		u, err := resolveUser(ctx, c, ref)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, u.ID)
	}
	return ids, errors.Join(errs...)
}

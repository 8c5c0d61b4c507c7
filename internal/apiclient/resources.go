package apiclient

import (
	"context"
	"net/url"
	"strconv"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

// ListUsers returns one page of users.
func (c *Client) ListUsers(ctx context.Context, o ListOptions) (*api.Page[directory.User], error) {
	var p api.Page[directory.User]
	return &p, c.do(ctx, "GET", "/api/v1/users", o.values(), nil, &p)
}

// GetUser returns one user.
func (c *Client) GetUser(ctx context.Context, id string) (*directory.User, error) {
	var u directory.User
	return &u, c.do(ctx, "GET", "/api/v1/users/"+esc(id), nil, nil, &u)
}

// CreateUser creates a user.
func (c *Client) CreateUser(ctx context.Context, in api.UserInput) (*directory.User, error) {
	var u directory.User
	return &u, c.do(ctx, "POST", "/api/v1/users", nil, in, &u)
}

// UpdateUser changes the attributes set in upd.
func (c *Client) UpdateUser(ctx context.Context, id string, upd directory.UserUpdate) (*directory.User, error) {
	var u directory.User
	return &u, c.do(ctx, "PATCH", "/api/v1/users/"+esc(id), nil, upd, &u)
}

// SuspendUser suspends a user.
func (c *Client) SuspendUser(ctx context.Context, id string) (*directory.User, error) {
	var u directory.User
	return &u, c.do(ctx, "POST", "/api/v1/users/"+esc(id)+"/suspend", nil, nil, &u)
}

// ActivateUser activates a user.
func (c *Client) ActivateUser(ctx context.Context, id string) (*directory.User, error) {
	var u directory.User
	return &u, c.do(ctx, "POST", "/api/v1/users/"+esc(id)+"/activate", nil, nil, &u)
}

// DeleteUser deletes a user.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", "/api/v1/users/"+esc(id), nil, nil, nil)
}

// UserGroups lists the groups of a user.
func (c *Client) UserGroups(ctx context.Context, id string, o ListOptions) (*api.Page[directory.Group], error) {
	var p api.Page[directory.Group]
	return &p, c.do(ctx, "GET", "/api/v1/users/"+esc(id)+"/groups", o.values(), nil, &p)
}

// ListGroups returns one page of groups.
func (c *Client) ListGroups(ctx context.Context, o ListOptions) (*api.Page[directory.Group], error) {
	var p api.Page[directory.Group]
	return &p, c.do(ctx, "GET", "/api/v1/groups", o.values(), nil, &p)
}

// GetGroup returns one group.
func (c *Client) GetGroup(ctx context.Context, id string) (*directory.Group, error) {
	var g directory.Group
	return &g, c.do(ctx, "GET", "/api/v1/groups/"+esc(id), nil, nil, &g)
}

// CreateGroup creates a group.
func (c *Client) CreateGroup(ctx context.Context, in api.GroupInput) (*directory.Group, error) {
	var g directory.Group
	return &g, c.do(ctx, "POST", "/api/v1/groups", nil, in, &g)
}

// UpdateGroup changes the attributes set in upd.
func (c *Client) UpdateGroup(ctx context.Context, id string, upd directory.GroupUpdate) (*directory.Group, error) {
	var g directory.Group
	return &g, c.do(ctx, "PATCH", "/api/v1/groups/"+esc(id), nil, upd, &g)
}

// DeleteGroup deletes a group.
func (c *Client) DeleteGroup(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", "/api/v1/groups/"+esc(id), nil, nil, nil)
}

// ListMembers returns one page of a group's members.
func (c *Client) ListMembers(ctx context.Context, groupID string, o ListOptions) (*api.Page[directory.User], error) {
	var p api.Page[directory.User]
	return &p, c.do(ctx, "GET", "/api/v1/groups/"+esc(groupID)+"/members", o.values(), nil, &p)
}

// AddMembers adds users to a group and returns those that were not members.
func (c *Client) AddMembers(ctx context.Context, groupID string, userIDs []string) ([]string, error) {
	var out struct {
		Added []string `json:"added"`
	}
	err := c.do(ctx, "POST", "/api/v1/groups/"+esc(groupID)+"/members", nil, api.MembersInput{UserIDs: userIDs}, &out)
	return out.Added, err
}

// RemoveMembers removes users from a group and returns those that were members.
func (c *Client) RemoveMembers(ctx context.Context, groupID string, userIDs []string) ([]string, error) {
	var out struct {
		Removed []string `json:"removed"`
	}
	err := c.do(ctx, "DELETE", "/api/v1/groups/"+esc(groupID)+"/members", nil, api.MembersInput{UserIDs: userIDs}, &out)
	return out.Removed, err
}

// ListChanges returns change records with a sequence number above after.
func (c *Client) ListChanges(ctx context.Context, after int64, limit int) (*api.ChangesPage, error) {
	v := url.Values{}
	if after > 0 {
		v.Set("after", strconv.FormatInt(after, 10))
	}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	var p api.ChangesPage
	return &p, c.do(ctx, "GET", "/api/v1/changes", v, nil, &p)
}

package api

import (
	"io"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web"
)

// UserInput is the body of POST /api/v1/users.
type UserInput struct {
	Username    string              `json:"username"`
	Email       string              `json:"email"`
	FirstName   string              `json:"firstname"`
	LastName    string              `json:"lastname"`
	EmployeeID  string              `json:"employeeIdentifier"`
	DisplayName string              `json:"displayName"`
	State       directory.UserState `json:"state"`
}

// GroupInput is the body of POST /api/v1/groups.
type GroupInput struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// MembersInput is the body of POST and DELETE /api/v1/groups/{id}/members.
type MembersInput struct {
	UserIDs []string `json:"userIds"`
}

// DecodeUser strictly decodes a user to create; see web.DecodeJSON.
func DecodeUser(r io.Reader) (directory.User, error) {
	var in UserInput
	if err := web.DecodeJSON(r, web.MaxBodyBytes, &in); err != nil {
		return directory.User{}, err
	}
	return directory.User{Username: in.Username, Email: in.Email, FirstName: in.FirstName, LastName: in.LastName,
		EmployeeID: in.EmployeeID, DisplayName: in.DisplayName, State: in.State}, nil
}

// DecodeUserUpdate strictly decodes a partial user update (PATCH).
func DecodeUserUpdate(r io.Reader) (directory.UserUpdate, error) {
	var u directory.UserUpdate
	err := web.DecodeJSON(r, web.MaxBodyBytes, &u)
	return u, err
}

// DecodeGroup strictly decodes a group to create.
func DecodeGroup(r io.Reader) (directory.Group, error) {
	var in GroupInput
	if err := web.DecodeJSON(r, web.MaxBodyBytes, &in); err != nil {
		return directory.Group{}, err
	}
	return directory.Group{Name: in.Name, Description: in.Description}, nil
}

// DecodeGroupUpdate strictly decodes a partial group update (PATCH).
func DecodeGroupUpdate(r io.Reader) (directory.GroupUpdate, error) {
	var u directory.GroupUpdate
	err := web.DecodeJSON(r, web.MaxBodyBytes, &u)
	return u, err
}

// DecodeMembers strictly decodes a list of user ids.
func DecodeMembers(r io.Reader) (MembersInput, error) {
	var in MembersInput
	err := web.DecodeJSON(r, web.MaxBodyBytes, &in)
	return in, err
}

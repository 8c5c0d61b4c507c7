package directory

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Group is a user group. Its name is unique, case-insensitively; in an
// application the name becomes the group's displayName.
type Group struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	MemberCount int       `json:"memberCount"`
	CreatedAt   time.Time `json:"created"`
	UpdatedAt   time.Time `json:"updated"`
}

// MaxGroupNameLen is the longest group name accepted.
const MaxGroupNameLen = 255

// Normalize trims surrounding space from the name and description.
func (g *Group) Normalize() {
	g.Name = strings.TrimSpace(g.Name)
	g.Description = strings.TrimSpace(g.Description)
}

// Validate checks the group's attributes and returns an EINVALID *Error or nil.
func (g *Group) Validate() error {
	var fe []FieldError
	switch {
	case g.Name == "":
		fe = append(fe, FieldError{Field: "name", Reason: "is required"})
	case utf8.RuneCountInString(g.Name) > MaxGroupNameLen:
		fe = append(fe, FieldError{Field: "name", Reason: "must be at most 255 characters"})
	case hasControl(g.Name):
		fe = append(fe, FieldError{Field: "name", Reason: "must not contain control characters"})
	}
	if utf8.RuneCountInString(g.Description) > MaxDescriptionLen {
		fe = append(fe, FieldError{Field: "description", Reason: "must be at most 1024 characters"})
	}
	if len(fe) > 0 {
		return Invalid(fe...)
	}
	return nil
}

// GroupUpdate is a partial update of a group: nil fields are left unchanged.
type GroupUpdate struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

// Apply returns a copy of g with the update applied and normalized, and the
// list of fields whose value changed. It does not validate.
func (p GroupUpdate) Apply(g Group) (Group, []FieldChange) {
	next := g
	if p.Name != nil {
		next.Name = *p.Name
	}
	if p.Description != nil {
		next.Description = *p.Description
	}
	next.Normalize()
	var out []FieldChange
	if g.Name != next.Name {
		out = append(out, FieldChange{Field: "name", From: g.Name, To: next.Name})
	}
	if g.Description != next.Description {
		out = append(out, FieldChange{Field: "description", From: g.Description, To: next.Description})
	}
	return next, out
}

// GroupSort names the orders a group list can be sorted by.
type GroupSort string

// The group sort keys.
const (
	SortGroupName    GroupSort = "name"
	SortGroupCreated GroupSort = "created"
)

// GroupFilter selects and orders a page of groups.
type GroupFilter struct {
	// Search matches a substring of the name or description, case-insensitively.
	Search string
	// UserID restricts the list to groups this user is a member of.
	UserID string
	Sort   GroupSort // "" means name
	Desc   bool
	Offset int
	Limit  int // 0 means DefaultPageSize; at most MaxPageSize
}

package directory

import (
	"context"
	"time"
)

// Store is the storage contract every backend implements. All reads and
// writes happen inside a transaction so that a mutation, its change record and
// the work it causes commit together or not at all.
//
// Errors: methods return *Error values with ENOTFOUND for unknown ids and
// ECONFLICT (naming the field) for broken uniqueness rules; EUNAVAILABLE when
// the database cannot be reached; anything else is wrapped with %w.
type Store interface {
	// Update runs fn in a read-write transaction. It commits when fn returns
	// nil and rolls back otherwise, returning fn's error unchanged. fn may be
	// called more than once if the backend retries a serialization failure,
	// so it must not have effects outside the transaction.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction; writes inside it fail.
	View(ctx context.Context, fn func(Tx) error) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database; the Store must not be used afterwards.
	Close() error
}

// Tx is one transaction: every part of the contract is reachable from it.
type Tx interface {
	Users
	Groups
	Changes
	Admins
	Apps
}

// Users stores directory users. Usernames and emails are unique
// case-insensitively; an employee identifier is unique when not empty.
type Users interface {
	// CreateUser inserts u as given (ID and timestamps set by the caller).
	// ECONFLICT names "username", "email" or "employeeIdentifier".
	CreateUser(ctx context.Context, u *User) error
	// CreateUsers inserts many users at once; all or none are written.
	CreateUsers(ctx context.Context, us []User) error
	// GetUser returns the user with id, or ENOTFOUND.
	GetUser(ctx context.Context, id string) (*User, error)
	// GetUserByEmail finds a user by email, case-insensitively, or ENOTFOUND.
	GetUserByEmail(ctx context.Context, email string) (*User, error)
	// GetUserByUsername finds a user by username, case-insensitively, or ENOTFOUND.
	GetUserByUsername(ctx context.Context, username string) (*User, error)
	// UpdateUser replaces every attribute of the user with u.ID (but CreatedAt).
	// ENOTFOUND, ECONFLICT as for CreateUser.
	UpdateUser(ctx context.Context, u *User) error
	// DeleteUser removes the user and their group memberships; ENOTFOUND if absent.
	DeleteUser(ctx context.Context, id string) error
	// ListUsers returns one page of users and the total number matching f.
	ListUsers(ctx context.Context, f UserFilter) ([]User, int, error)
}

// Groups stores user groups and their members. Group names are unique
// case-insensitively.
type Groups interface {
	// CreateGroup inserts g as given; ECONFLICT names "name".
	CreateGroup(ctx context.Context, g *Group) error
	// GetGroup returns the group with id (MemberCount filled), or ENOTFOUND.
	GetGroup(ctx context.Context, id string) (*Group, error)
	// GetGroupByName finds a group by name, case-insensitively, or ENOTFOUND.
	GetGroupByName(ctx context.Context, name string) (*Group, error)
	// UpdateGroup replaces name and description of the group with g.ID.
	UpdateGroup(ctx context.Context, g *Group) error
	// DeleteGroup removes the group and its memberships; ENOTFOUND if absent.
	DeleteGroup(ctx context.Context, id string) error
	// ListGroups returns one page of groups (MemberCount filled) and the total.
	ListGroups(ctx context.Context, f GroupFilter) ([]Group, int, error)
	// AddMembers adds users to a group and returns the ids that were not
	// members before (idempotent). ENOTFOUND if the group or any user is unknown;
	// then nothing is added.
	AddMembers(ctx context.Context, groupID string, userIDs []string) ([]string, error)
	// RemoveMembers removes users from a group and returns the ids that were
	// members (idempotent). ENOTFOUND if the group is unknown.
	RemoveMembers(ctx context.Context, groupID string, userIDs []string) ([]string, error)
	// GroupIDsOfUser lists the ids of the groups the user is a member of.
	GroupIDsOfUser(ctx context.Context, userID string) ([]string, error)
	// MemberIDs lists the ids of a group's members; ENOTFOUND if the group is unknown.
	MemberIDs(ctx context.Context, groupID string) ([]string, error)
}

// Changes is the durable log of directory mutations.
type Changes interface {
	// AppendChanges writes the records and sets each one's Seq.
	AppendChanges(ctx context.Context, cs []Change) error
	// ListChanges returns changes in ascending Seq order.
	ListChanges(ctx context.Context, f ChangeFilter) ([]Change, error)
}

// Admins stores administrator accounts and their API keys.
type Admins interface {
	// CreateAdmin inserts a; ECONFLICT names "email".
	CreateAdmin(ctx context.Context, a *Admin) error
	// GetAdmin returns the admin with id, or ENOTFOUND.
	GetAdmin(ctx context.Context, id string) (*Admin, error)
	// GetAdminByEmail finds an admin by email, case-insensitively, or ENOTFOUND.
	GetAdminByEmail(ctx context.Context, email string) (*Admin, error)
	// UpdateAdmin replaces the admin's attributes (but ID and CreatedAt).
	UpdateAdmin(ctx context.Context, a *Admin) error
	// ListAdmins returns every admin, ordered by email.
	ListAdmins(ctx context.Context) ([]Admin, error)
	// CreateAPIKey inserts k; the prefix is unique.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// GetAPIKeyByPrefix returns the key with the public prefix, or ENOTFOUND.
	GetAPIKeyByPrefix(ctx context.Context, prefix string) (*APIKey, error)
	// ListAPIKeys lists an admin's keys, newest first.
	ListAPIKeys(ctx context.Context, adminID string) ([]APIKey, error)
	// TouchAPIKey records that the key was used at t.
	TouchAPIKey(ctx context.Context, id string, t time.Time) error
	// RevokeAPIKey marks the key revoked at t; ENOTFOUND if absent.
	RevokeAPIKey(ctx context.Context, id string, t time.Time) error
}

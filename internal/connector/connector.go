package connector

import "context"

// User is the desired state of a user, computed by the engine from the
// directory. ExternalKey is the directory's own user id: it is never sent
// to the application (EmployeeID is sent as externalId).
type User struct {
	ExternalKey string
	UserName    string
	Email       string
	GivenName   string
	FamilyName  string
	DisplayName string
	EmployeeID  string
	Active      bool
}

// Group is the desired state of a group. MemberIDs are application-side
// user ids (RemoteUser.ID), never directory ids.
type Group struct {
	DisplayName string
	MemberIDs   []string
}

// RemoteUser is a user as the application holds it.
type RemoteUser struct {
	ID          string
	UserName    string
	Email       string
	GivenName   string
	FamilyName  string
	Formatted   string
	DisplayName string
	ExternalID  string
	Active      bool
}

// RemoteGroup is a group as the application holds it.
type RemoteGroup struct {
	ID          string
	DisplayName string
	MemberIDs   []string
}

// FieldChange is one attribute an update changed, in the shape Directory
// Insights records ("changes[{field,from,to}]"). Field is the SCIM
// attribute path, e.g. "name.formatted" or "emails".
type FieldChange struct {
	Field string
	From  string
	To    string
}

// Connector is what every outbound connector does. Every method returns
// nil or an error that errors.As finds as *Error (classify it with
// IsTemporary, IsConflict, IsNotFound and RetryAfter). Unless noted, a
// call may be repeated safely after a temporary error: the engine
// re-reads actual state before it retries (level-triggered).
type Connector interface {
	// TestConnection checks the base URL and the token. The error
	// carries the application's own detail text.
	TestConnection(ctx context.Context) error

	// FindUserByEmail returns the user holding email (matched
	// case-insensitively by the application), deactivated users
	// included, or (nil, nil) when there is none. Read-only.
	FindUserByEmail(ctx context.Context, email string) (*RemoteUser, error)
	// GetUser returns a user by application id; IsNotFound(err) when
	// it is gone. Read-only.
	GetUser(ctx context.Context, id string) (*RemoteUser, error)
	// CreateUser creates a user. NOT idempotent: a repeat answers a
	// conflict (IsConflict) — look the user up with FindUserByEmail
	// and update instead.
	CreateUser(ctx context.Context, u User) (*RemoteUser, error)
	// UpdateUser makes the user match desired, given the current
	// state (read by the caller with GetUser or FindUserByEmail). It
	// sends nothing and returns (current, nil, nil) when nothing
	// differs by the connector's own comparison; otherwise it returns
	// the new state and the fields changed. Idempotent. Active is
	// compared too.
	UpdateUser(ctx context.Context, id string, desired User, current *RemoteUser) (*RemoteUser, []FieldChange, error)
	// SetActive sets active (false is deprovisioning). Idempotent.
	SetActive(ctx context.Context, id string, active bool) error
	// DeleteUser deletes the user (on some apps: deactivates, see
	// Profile.UserDeleteDeactivates). A user already gone answers
	// IsNotFound; the caller may treat that as done.
	DeleteUser(ctx context.Context, id string) error
	// ListUsers calls fn for every user, following paging until
	// totalResults (or an empty page). An error from fn stops the
	// walk and is returned as is. Read-only.
	ListUsers(ctx context.Context, fn func(RemoteUser) error) error

	// ListGroups calls fn for every group, like ListUsers.
	ListGroups(ctx context.Context, fn func(RemoteGroup) error) error
	// GetGroup returns a group by id; IsNotFound(err) when gone.
	GetGroup(ctx context.Context, id string) (*RemoteGroup, error)
	// CreateGroup creates a group with its members. NOT idempotent:
	// a repeat may create a second group of the same name (Quip does);
	// the caller looks a group up by name first (FindGroupByName).
	CreateGroup(ctx context.Context, g Group) (*RemoteGroup, error)
	// RenameGroup changes the displayName, keeping the members.
	// Idempotent.
	RenameGroup(ctx context.Context, id, displayName string) error
	// DeleteGroup deletes the group; IsNotFound when already gone.
	DeleteGroup(ctx context.Context, id string) error
}

// UserComparer is implemented by connectors that can tell, with no
// request, whether UpdateUser would change anything (by the same
// comparison). The engine's full reconcile lists the application's users
// and compares them with the directory, then works only the users that
// differ, instead of reading every user one by one.
type UserComparer interface {
	UserInSync(desired User, current *RemoteUser) bool
}

// GroupMemberPatcher is implemented by connectors whose application
// supports PATCH on groups: membership changes are sent as add and
// remove operations. Idempotent (adding a member twice or removing an
// absent one is a no-op on RFC 7644 servers).
type GroupMemberPatcher interface {
	PatchMembers(ctx context.Context, groupID string, add, remove []string) error
}

// GroupReplacer is implemented by connectors that replace a group whole
// (PUT of displayName and the full member list in one request; Quip has
// no group PATCH). Idempotent.
type GroupReplacer interface {
	ReplaceGroup(ctx context.Context, id string, g Group) error
}

// SessionResetter ends all of a user's sessions in the application
// (Quip: PATCH active false, then true). Only for active users: it
// leaves the user active. Idempotent.
type SessionResetter interface {
	EndSessions(ctx context.Context, id string) error
}

// EmailReleaser frees an email address held by a DEACTIVATED account so
// that a new account may use it (Quip's documented procedure). It
// returns the id of the account it changed, or "" when no account holds
// the email. An ACTIVE holder is not touched: the error is a conflict
// (IsConflict). Idempotent.
type EmailReleaser interface {
	ReleaseEmail(ctx context.Context, email string) (releasedID string, err error)
}

// Profile describes what the application does, so the engine plans the
// right calls. Every connector implements it.
type Profile interface {
	// GroupsSupported reports whether groups may be managed at all
	// (false also when the admin turned group management off).
	GroupsSupported() bool
	// UserDeleteDeactivates reports that DELETE only deactivates
	// (Quip): the user still exists afterwards.
	UserDeleteDeactivates() bool
	// GroupLookupByListing reports that groups cannot be filtered by
	// name: use FindGroupByName, which lists them all.
	GroupLookupByListing() bool
}

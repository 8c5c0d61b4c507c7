package directory

import "time"

// ActorType says who made a change.
type ActorType string

// The kinds of actor.
const (
	ActorAdmin  ActorType = "admin"  // an administrator, through the portal, API or CLI
	ActorUser   ActorType = "user"   // a directory user acting on their own account
	ActorSystem ActorType = "system" // Jumpgate itself (imports, background duties)
)

// Actor identifies who made a change.
type Actor struct {
	Type  ActorType `json:"type"`
	ID    string    `json:"id,omitempty"`
	Email string    `json:"email,omitempty"`
}

// SystemActor is the actor for changes Jumpgate makes by itself.
var SystemActor = Actor{Type: ActorSystem, ID: "system"}

// ChangeKind names what a change did.
type ChangeKind string

// The change kinds written by directory mutations.
const (
	UserCreated   ChangeKind = "user.created"
	UserUpdated   ChangeKind = "user.updated"
	UserDeleted   ChangeKind = "user.deleted"
	GroupCreated  ChangeKind = "group.created"
	GroupUpdated  ChangeKind = "group.updated"
	GroupDeleted  ChangeKind = "group.deleted"
	MemberAdded   ChangeKind = "group.member_added"
	MemberRemoved ChangeKind = "group.member_removed"
)

// FieldChange is one attribute's old and new value.
type FieldChange struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// Change is the durable record of one mutation, written in the same
// transaction as the mutation itself. Audit events and the provisioning engine
// consume it, so a crash can lose no change.
type Change struct {
	// Seq is assigned by the store on append: strictly increasing in commit
	// order within one database.
	Seq          int64      `json:"seq"`
	At           time.Time  `json:"at"`
	Actor        Actor      `json:"actor"`
	Kind         ChangeKind `json:"kind"`
	ResourceType string     `json:"resourceType"` // "user", "group"
	ResourceID   string     `json:"resourceId"`
	ResourceName string     `json:"resourceName"` // username or group name at the time
	// RelatedID is the other side of a relation, e.g. the user of a membership change.
	RelatedID string        `json:"relatedId,omitempty"`
	Fields    []FieldChange `json:"changes,omitempty"`
}

// ChangeFilter selects change records in sequence order.
type ChangeFilter struct {
	AfterSeq     int64 // only changes with Seq > AfterSeq
	ResourceType string
	ResourceID   string
	Limit        int // 0 means DefaultPageSize; at most MaxPageSize
}

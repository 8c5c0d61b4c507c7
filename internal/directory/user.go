package directory

import (
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// UserState is the lifecycle state of a directory user, as in JumpCloud:
// staged (created, not yet usable), activated, suspended.
type UserState string

// The user states.
const (
	UserStaged    UserState = "staged"
	UserActivated UserState = "activated"
	UserSuspended UserState = "suspended"
)

// Valid reports whether s is one of the known states.
func (s UserState) Valid() bool {
	return s == UserStaged || s == UserActivated || s == UserSuspended
}

// User is a person in the directory. The attributes are those of the
// integration guide's mapping table; Active follows from State.
type User struct {
	ID          string    `json:"id"`
	Username    string    `json:"username"`
	Email       string    `json:"email"`
	FirstName   string    `json:"firstname"`
	LastName    string    `json:"lastname"`
	EmployeeID  string    `json:"employeeIdentifier"`
	DisplayName string    `json:"displayName"`
	State       UserState `json:"state"`
	CreatedAt   time.Time `json:"created"`
	UpdatedAt   time.Time `json:"updated"`
}

// Active reports whether the user may use applications: only activated users are.
func (u *User) Active() bool { return u.State == UserActivated }

// Field length limits.
const (
	MaxUsernameLen    = 128
	MaxEmailLen       = 254
	MaxNameLen        = 128
	MaxEmployeeIDLen  = 128
	MaxDescriptionLen = 1024
)

// Normalize trims surrounding space from every text attribute and lower-cases
// the email address. It does not validate.
func (u *User) Normalize() {
	u.Username = strings.TrimSpace(u.Username)
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	u.FirstName = strings.TrimSpace(u.FirstName)
	u.LastName = strings.TrimSpace(u.LastName)
	u.EmployeeID = strings.TrimSpace(u.EmployeeID)
	u.DisplayName = strings.TrimSpace(u.DisplayName)
}

// Validate checks every attribute and returns an EINVALID *Error naming each
// field that breaks a rule, or nil.
func (u *User) Validate() error {
	var fe []FieldError
	add := func(field, reason string) { fe = append(fe, FieldError{Field: field, Reason: reason}) }

	switch {
	case u.Username == "":
		add("username", "is required")
	case utf8.RuneCountInString(u.Username) > MaxUsernameLen:
		add("username", "must be at most 128 characters")
	case !validUsername(u.Username):
		add("username", "may contain only letters, digits and . _ - @ +")
	}
	switch {
	case u.Email == "":
		add("email", "is required")
	case len(u.Email) > MaxEmailLen:
		add("email", "must be at most 254 characters")
	case !ValidEmail(u.Email):
		add("email", "is not a valid e-mail address")
	}
	checkText := func(field, v string, max int) {
		if utf8.RuneCountInString(v) > max {
			add(field, "is too long")
		} else if hasControl(v) {
			add(field, "must not contain control characters")
		}
	}
	checkText("firstname", u.FirstName, MaxNameLen)
	checkText("lastname", u.LastName, MaxNameLen)
	checkText("displayName", u.DisplayName, MaxNameLen)
	checkText("employeeIdentifier", u.EmployeeID, MaxEmployeeIDLen)
	if u.State != "" && !u.State.Valid() {
		add("state", "must be one of staged, activated, suspended")
	}
	if len(fe) > 0 {
		return Invalid(fe...)
	}
	return nil
}

// ValidEmail reports whether s is a bare address (no display name) with a
// local part and a domain.
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n")
}

func validUsername(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-@+", r) {
			continue
		}
		return false
	}
	return true
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// UserUpdate is a partial update: nil fields are left unchanged.
type UserUpdate struct {
	Username    *string    `json:"username,omitempty"`
	Email       *string    `json:"email,omitempty"`
	FirstName   *string    `json:"firstname,omitempty"`
	LastName    *string    `json:"lastname,omitempty"`
	EmployeeID  *string    `json:"employeeIdentifier,omitempty"`
	DisplayName *string    `json:"displayName,omitempty"`
	State       *UserState `json:"state,omitempty"`
}

// Apply returns a copy of u with the update applied, normalized, and the list
// of fields whose value changed. It does not validate.
func (p UserUpdate) Apply(u User) (User, []FieldChange) {
	next := u
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&next.Username, p.Username)
	set(&next.Email, p.Email)
	set(&next.FirstName, p.FirstName)
	set(&next.LastName, p.LastName)
	set(&next.EmployeeID, p.EmployeeID)
	set(&next.DisplayName, p.DisplayName)
	if p.State != nil {
		next.State = *p.State
	}
	next.Normalize()
	return next, DiffUsers(u, next)
}

// DiffUsers lists the attributes that differ between a and b.
func DiffUsers(a, b User) []FieldChange {
	var out []FieldChange
	cmp := func(field, x, y string) {
		if x != y {
			out = append(out, FieldChange{Field: field, From: x, To: y})
		}
	}
	cmp("username", a.Username, b.Username)
	cmp("email", a.Email, b.Email)
	cmp("firstname", a.FirstName, b.FirstName)
	cmp("lastname", a.LastName, b.LastName)
	cmp("employeeIdentifier", a.EmployeeID, b.EmployeeID)
	cmp("displayName", a.DisplayName, b.DisplayName)
	cmp("state", string(a.State), string(b.State))
	return out
}

// UserSort names the orders a user list can be sorted by.
type UserSort string

// The user sort keys.
const (
	SortUsername  UserSort = "username"
	SortEmail     UserSort = "email"
	SortCreated   UserSort = "created"
	SortLastName  UserSort = "lastname"
	SortFirstName UserSort = "firstname"
)

// UserFilter selects and orders a page of users.
type UserFilter struct {
	// Search matches, case-insensitively, a substring of username, email,
	// first name, last name or display name.
	Search string
	State  UserState // "" for any state
	// GroupID restricts the list to members of this group.
	GroupID string
	Sort    UserSort // "" means username
	Desc    bool
	Offset  int
	Limit   int // 0 means DefaultPageSize; at most MaxPageSize
}

// Paging limits shared by every list.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// PageLimit returns limit clamped to [1, MaxPageSize], DefaultPageSize for 0.
func PageLimit(limit int) int {
	switch {
	case limit <= 0:
		return DefaultPageSize
	case limit > MaxPageSize:
		return MaxPageSize
	}
	return limit
}

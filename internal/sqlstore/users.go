package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

const userCols = "u.id, u.username, u.email, u.firstname, u.lastname, u.employee_id, u.display_name, u.state, u.created_at, u.updated_at"

// insertUserCols are the columns one user row fills.
const insertUserCols = "id, username, username_key, email, email_key, firstname, lastname, employee_id, display_name, state, search_text, created_at, updated_at"

const userInsertBatch = 100 // rows per INSERT: 1,300 parameters

type scanner interface{ Scan(dest ...any) error }

func scanUser(sc scanner) (directory.User, error) {
	var u directory.User
	var state string
	var created, updated int64
	err := sc.Scan(&u.ID, &u.Username, &u.Email, &u.FirstName, &u.LastName, &u.EmployeeID, &u.DisplayName, &state, &created, &updated)
	u.State = directory.UserState(state)
	u.CreatedAt, u.UpdatedAt = TimeOf(created), TimeOf(updated)
	return u, err
}

func userSearchText(u *directory.User) string {
	return searchText(u.Username, u.Email, u.FirstName, u.LastName, u.DisplayName)
}

func userArgs(u *directory.User) []any {
	return []any{u.ID, u.Username, strings.ToLower(u.Username), u.Email, strings.ToLower(u.Email),
		u.FirstName, u.LastName, u.EmployeeID, u.DisplayName, string(u.State), userSearchText(u),
		TimeValue(u.CreatedAt), TimeValue(u.UpdatedAt)}
}

// CreateUser inserts u. Its timestamps are set to the stored values (UTC,
// whole microseconds).
func (t *Tx) CreateUser(ctx context.Context, u *directory.User) error {
	u.CreatedAt, u.UpdatedAt = normTime(u.CreatedAt), normTime(u.UpdatedAt)
	_, err := t.Exec(ctx, "INSERT INTO users ("+insertUserCols+") VALUES "+placeholders(1, 13), userArgs(u)...)
	return err
}

// CreateUsers inserts us with multi-row INSERTs; all or none are written
// when the caller's transaction rolls back on the error. The timestamps of
// the elements of us are set to the stored values.
func (t *Tx) CreateUsers(ctx context.Context, us []directory.User) error {
	for start := 0; start < len(us); start += userInsertBatch {
		batch := us[start:min(start+userInsertBatch, len(us))]
		args := make([]any, 0, len(batch)*13)
		for i := range batch {
			u := &batch[i]
			u.CreatedAt, u.UpdatedAt = normTime(u.CreatedAt), normTime(u.UpdatedAt)
			args = append(args, userArgs(u)...)
		}
		q := "INSERT INTO users (" + insertUserCols + ") VALUES " + placeholders(len(batch), 13)
		if _, err := t.Exec(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tx) getUser(ctx context.Context, cond, arg, what string) (*directory.User, error) {
	u, err := scanUser(t.QueryRow(ctx, "SELECT "+userCols+" FROM users u WHERE "+cond, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, directory.NotFound("user", what)
	}
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// GetUser returns the user with id, or ENOTFOUND.
func (t *Tx) GetUser(ctx context.Context, id string) (*directory.User, error) {
	return t.getUser(ctx, "u.id = ?", id, id)
}

// GetUserByEmail finds a user by email, case-insensitively, or ENOTFOUND.
func (t *Tx) GetUserByEmail(ctx context.Context, email string) (*directory.User, error) {
	return t.getUser(ctx, "u.email_key = ?", strings.ToLower(strings.TrimSpace(email)), email)
}

// GetUserByUsername finds a user by username, case-insensitively, or ENOTFOUND.
func (t *Tx) GetUserByUsername(ctx context.Context, username string) (*directory.User, error) {
	return t.getUser(ctx, "u.username_key = ?", strings.ToLower(strings.TrimSpace(username)), username)
}

// UpdateUser replaces every attribute of the user with u.ID but CreatedAt,
// which is set to the stored value; UpdatedAt is normalized as on create.
func (t *Tx) UpdateUser(ctx context.Context, u *directory.User) error {
	u.UpdatedAt = normTime(u.UpdatedAt)
	var created int64
	err := t.QueryRow(ctx, `UPDATE users SET username = ?, username_key = ?, email = ?, email_key = ?,
		firstname = ?, lastname = ?, employee_id = ?, display_name = ?, state = ?, search_text = ?, updated_at = ?
		WHERE id = ? RETURNING created_at`,
		u.Username, strings.ToLower(u.Username), u.Email, strings.ToLower(u.Email), u.FirstName, u.LastName,
		u.EmployeeID, u.DisplayName, string(u.State), userSearchText(u), TimeValue(u.UpdatedAt), u.ID).Scan(&created)
	if errors.Is(err, sql.ErrNoRows) {
		return directory.NotFound("user", u.ID)
	}
	if err != nil {
		return err
	}
	u.CreatedAt = TimeOf(created)
	return nil
}

// DeleteUser removes the user; their memberships go with them (ON DELETE CASCADE).
func (t *Tx) DeleteUser(ctx context.Context, id string) error {
	res, err := t.Exec(ctx, "DELETE FROM users WHERE id = ?", id)
	return affectedOne(res, err, "user", id)
}

// affectedOne turns "no row affected" into ENOTFOUND.
func affectedOne(res sql.Result, err error, kind, id string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return mapError(err)
	}
	if n == 0 {
		return directory.NotFound(kind, id)
	}
	return nil
}

func userOrder(s directory.UserSort, desc bool) (string, error) {
	dir := ""
	if desc {
		dir = " DESC"
	}
	switch s {
	case "", directory.SortUsername:
		return "u.username_key" + dir, nil
	case directory.SortEmail:
		return "u.email_key" + dir, nil
	case directory.SortCreated:
		return "u.created_at" + dir + ", u.id" + dir, nil
	case directory.SortLastName:
		return "lower(u.lastname)" + dir + ", u.id" + dir, nil
	case directory.SortFirstName:
		return "lower(u.firstname)" + dir + ", u.id" + dir, nil
	}
	return "", directory.Invalid(directory.FieldError{Field: "sort", Reason: "must be one of username, email, created, lastname, firstname"})
}

// ListUsers returns one page of users matching f and the number matching.
func (t *Tx) ListUsers(ctx context.Context, f directory.UserFilter) ([]directory.User, int, error) {
	order, err := userOrder(f.Sort, f.Desc)
	if err != nil {
		return nil, 0, err
	}
	var conds []string
	var args []any
	windowed := false
	if f.State != "" {
		conds, args = append(conds, "u.state = ?"), append(args, string(f.State))
	}
	if f.GroupID != "" {
		conds = append(conds, "u.id IN (SELECT m.user_id FROM group_members m WHERE m.group_id = ?)")
		args = append(args, f.GroupID)
	}
	if term := searchTerm(f.Search); term != "" {
		c, a, listed, err := t.searchClause(ctx, "users", "u", term)
		if err != nil {
			return nil, 0, err
		}
		conds, args, windowed = append(conds, c), append(args, a), listed
	}
	return listPage(ctx, t, pageQuery{
		from: "users u", cols: userCols, conds: conds, args: args, order: order,
		limit: f.Limit, offset: f.Offset, windowed: windowed, search: len(conds) > 0 && f.Search != "",
	}, scanUser)
}

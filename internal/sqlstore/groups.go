package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

const groupCols = "g.id, g.name, g.description, (SELECT count(*) FROM group_members m WHERE m.group_id = g.id), g.created_at, g.updated_at"

func scanGroup(sc scanner) (directory.Group, error) {
	var g directory.Group
	var created, updated int64
	err := sc.Scan(&g.ID, &g.Name, &g.Description, &g.MemberCount, &created, &updated)
	g.CreatedAt, g.UpdatedAt = TimeOf(created), TimeOf(updated)
	return g, err
}

// CreateGroup inserts g; its timestamps are set to the stored values.
func (t *Tx) CreateGroup(ctx context.Context, g *directory.Group) error {
	g.CreatedAt, g.UpdatedAt = normTime(g.CreatedAt), normTime(g.UpdatedAt)
	_, err := t.Exec(ctx, `INSERT INTO groups (id, name, name_key, description, search_text, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		g.ID, g.Name, strings.ToLower(g.Name), g.Description, searchText(g.Name, g.Description),
		TimeValue(g.CreatedAt), TimeValue(g.UpdatedAt))
	return err
}

func (t *Tx) getGroup(ctx context.Context, cond, arg, what string) (*directory.Group, error) {
	g, err := scanGroup(t.QueryRow(ctx, "SELECT "+groupCols+" FROM groups g WHERE "+cond, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, directory.NotFound("group", what)
	}
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// GetGroup returns the group with id, or ENOTFOUND.
func (t *Tx) GetGroup(ctx context.Context, id string) (*directory.Group, error) {
	return t.getGroup(ctx, "g.id = ?", id, id)
}

// GetGroupByName finds a group by name, case-insensitively, or ENOTFOUND.
func (t *Tx) GetGroupByName(ctx context.Context, name string) (*directory.Group, error) {
	return t.getGroup(ctx, "g.name_key = ?", strings.ToLower(strings.TrimSpace(name)), name)
}

// UpdateGroup replaces the name, description and UpdatedAt of the group
// with g.ID; g's CreatedAt and MemberCount are set from the database.
func (t *Tx) UpdateGroup(ctx context.Context, g *directory.Group) error {
	g.UpdatedAt = normTime(g.UpdatedAt)
	var created int64
	err := t.QueryRow(ctx, `UPDATE groups SET name = ?, name_key = ?, description = ?, search_text = ?, updated_at = ?
		WHERE id = ? RETURNING created_at`,
		g.Name, strings.ToLower(g.Name), g.Description, searchText(g.Name, g.Description), TimeValue(g.UpdatedAt), g.ID).Scan(&created)
	if errors.Is(err, sql.ErrNoRows) {
		return directory.NotFound("group", g.ID)
	}
	if err != nil {
		return err
	}
	g.CreatedAt = TimeOf(created)
	return t.QueryRow(ctx, "SELECT count(*) FROM group_members WHERE group_id = ?", g.ID).Scan(&g.MemberCount)
}

// DeleteGroup removes the group and its memberships (ON DELETE CASCADE).
func (t *Tx) DeleteGroup(ctx context.Context, id string) error {
	res, err := t.Exec(ctx, "DELETE FROM groups WHERE id = ?", id)
	return affectedOne(res, err, "group", id)
}

func groupOrder(s directory.GroupSort, desc bool) (string, error) {
	dir := ""
	if desc {
		dir = " DESC"
	}
	switch s {
	case "", directory.SortGroupName:
		return "g.name_key" + dir, nil
	case directory.SortGroupCreated:
		return "g.created_at" + dir + ", g.id" + dir, nil
	}
	return "", directory.Invalid(directory.FieldError{Field: "sort", Reason: "must be one of name, created"})
}

// ListGroups returns one page of groups matching f and the number matching.
func (t *Tx) ListGroups(ctx context.Context, f directory.GroupFilter) ([]directory.Group, int, error) {
	order, err := groupOrder(f.Sort, f.Desc)
	if err != nil {
		return nil, 0, err
	}
	var conds []string
	var args []any
	windowed := false
	if f.UserID != "" {
		conds = append(conds, "g.id IN (SELECT m.group_id FROM group_members m WHERE m.user_id = ?)")
		args = append(args, f.UserID)
	}
	if term := searchTerm(f.Search); term != "" {
		c, a, listed, err := t.searchClause(ctx, "groups", "g", term)
		if err != nil {
			return nil, 0, err
		}
		conds, args, windowed = append(conds, c), append(args, a), listed
	}
	return listPage(ctx, t, pageQuery{
		from: "groups g", cols: groupCols, conds: conds, args: args, order: order,
		limit: f.Limit, offset: f.Offset, windowed: windowed, search: len(conds) > 0 && f.Search != "",
	}, scanGroup)
}

// groupExists returns ENOTFOUND unless the group exists.
func (t *Tx) groupExists(ctx context.Context, id string) error {
	var one int
	err := t.QueryRow(ctx, "SELECT 1 FROM groups WHERE id = ?", id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return directory.NotFound("group", id)
	}
	return err
}

// dedupe returns ids without repeats, in first-seen order.
func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// idBatch bounds the number of parameters of one IN list.
const idBatch = 500

// AddMembers adds users to a group and returns those that were not members
// before, in the order given. If the group or any user is unknown it returns
// ENOTFOUND having added nothing.
func (t *Tx) AddMembers(ctx context.Context, groupID string, userIDs []string) ([]string, error) {
	if err := t.groupExists(ctx, groupID); err != nil {
		return nil, err
	}
	ids := dedupe(userIDs)
	known := make(map[string]bool, len(ids))
	for start := 0; start < len(ids); start += idBatch {
		batch := ids[start:min(start+idBatch, len(ids))]
		args := make([]any, len(batch))
		for i, id := range batch {
			args[i] = id
		}
		rows, err := t.Query(ctx, "SELECT id FROM users WHERE id IN "+placeholders(1, len(batch)), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, mapError(err)
			}
			known[id] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, mapError(err)
		}
	}
	for _, id := range ids {
		if !known[id] {
			return nil, directory.NotFound("user", id)
		}
	}
	added := []string{}
	for _, id := range ids {
		res, err := t.Exec(ctx, "INSERT INTO group_members (group_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING", groupID, id)
		if err != nil {
			if foreignKeyViolation(err) { // deleted concurrently
				return nil, directory.NotFound("user", id)
			}
			return nil, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			added = append(added, id)
		}
	}
	return added, nil
}

// RemoveMembers removes users from a group and returns those that were
// members, in the order given. ENOTFOUND if the group is unknown.
func (t *Tx) RemoveMembers(ctx context.Context, groupID string, userIDs []string) ([]string, error) {
	if err := t.groupExists(ctx, groupID); err != nil {
		return nil, err
	}
	removed := []string{}
	for _, id := range dedupe(userIDs) {
		res, err := t.Exec(ctx, "DELETE FROM group_members WHERE group_id = ? AND user_id = ?", groupID, id)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			removed = append(removed, id)
		}
	}
	return removed, nil
}

// GroupIDsOfUser lists the ids of the user's groups, sorted; none for an
// unknown user.
func (t *Tx) GroupIDsOfUser(ctx context.Context, userID string) ([]string, error) {
	return t.ids(ctx, "SELECT group_id FROM group_members WHERE user_id = ? ORDER BY group_id", userID)
}

// MemberIDs lists the ids of a group's members, sorted; ENOTFOUND if the
// group is unknown.
func (t *Tx) MemberIDs(ctx context.Context, groupID string) ([]string, error) {
	if err := t.groupExists(ctx, groupID); err != nil {
		return nil, err
	}
	return t.ids(ctx, "SELECT user_id FROM group_members WHERE group_id = ? ORDER BY user_id", groupID)
}

func (t *Tx) ids(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := t.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, mapError(err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	return out, nil
}

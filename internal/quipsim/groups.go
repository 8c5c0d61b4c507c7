package quipsim

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/scim"
)

// Member is one member of a group.
type Member struct {
	UserID  string
	Display string
}

// Group is a Quip group. Quip groups have no externalId.
type Group struct {
	ID          string
	CompanyID   string
	DisplayName string
	Members     []Member
	Created     time.Time
	Modified    time.Time
}

func loadGroups(ctx context.Context, q querier, seqQuery string, args ...any) ([]Group, error) {
	rows, err := q.QueryContext(ctx, `SELECT g.id, g.company_id, g.display_name, g.created, g.modified, m.user_id, u.display_name
		FROM groups g LEFT JOIN group_members m ON m.group_id = g.id LEFT JOIN users u ON u.id = m.user_id
		WHERE g.seq IN (`+seqQuery+`) ORDER BY g.seq, m.position`, args...)
	if err != nil {
		return nil, fmt.Errorf("quipsim: load groups: %w", err)
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var g Group
		var created, modified int64
		var uid, disp sql.NullString
		if err := rows.Scan(&g.ID, &g.CompanyID, &g.DisplayName, &created, &modified, &uid, &disp); err != nil {
			return nil, fmt.Errorf("quipsim: load groups: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].ID != g.ID {
			g.Created, g.Modified = time.Unix(0, created).UTC(), time.Unix(0, modified).UTC()
			out = append(out, g)
		}
		if uid.Valid {
			last := &out[len(out)-1]
			last.Members = append(last.Members, Member{UserID: uid.String, Display: disp.String})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("quipsim: load groups: %w", err)
	}
	return out, nil
}

func (s *Server) getGroup(ctx context.Context, q querier, companyID, id string) (Group, error) {
	gs, err := loadGroups(ctx, q, `SELECT seq FROM groups WHERE company_id = ? AND id = ?`, companyID, id)
	if err != nil {
		return Group{}, err
	}
	if len(gs) == 0 {
		return Group{}, scim.NotFound("group %q not found", id)
	}
	return gs[0], nil
}

// GetGroup returns one group of the company.
func (s *Server) GetGroup(ctx context.Context, companyID, id string) (Group, error) {
	return s.getGroup(ctx, s.db.r, companyID, id)
}

// ListGroups returns every group of the company in creation order.
func (s *Server) ListGroups(ctx context.Context, companyID string) ([]Group, error) {
	return loadGroups(ctx, s.db.r, `SELECT seq FROM groups WHERE company_id = ?`, companyID)
}

func (s *Server) countGroups(ctx context.Context, companyID string) (int, error) {
	var n int
	err := s.db.r.QueryRowContext(ctx, `SELECT count(*) FROM groups WHERE company_id = ?`, companyID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("quipsim: count groups: %w", err)
	}
	return n, nil
}

func (s *Server) pageGroups(ctx context.Context, companyID string, offset, limit int) ([]Group, error) {
	return loadGroups(ctx, s.db.r, `SELECT seq FROM groups WHERE company_id = ? ORDER BY seq LIMIT ? OFFSET ?`, companyID, limit, offset)
}

// checkMembers verifies every member is a user of the company; unknown
// ids are 400 invalidValue. Duplicates are dropped.
func checkMembers(ctx context.Context, tx *wtx, companyID string, ids []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE company_id = ? AND id = ?`, companyID, id).Scan(&n); err != nil {
			return nil, fmt.Errorf("quipsim: check member: %w", err)
		}
		if n == 0 {
			return nil, scim.BadRequest(scim.TypeInvalidValue, "member %q is not a user of this company", id)
		}
		out = append(out, id)
	}
	return out, nil
}

func setMembers(ctx context.Context, tx *wtx, groupID string, ids []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM group_members WHERE group_id = ?`, groupID); err != nil {
		return fmt.Errorf("quipsim: clear members: %w", err)
	}
	for i, id := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id, position) VALUES (?, ?, ?)`, groupID, id, i); err != nil {
			return fmt.Errorf("quipsim: add member: %w", err)
		}
	}
	return nil
}

func cleanGroupName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", scim.BadRequest(scim.TypeInvalidValue, "displayName is required")
	}
	if len(name) > 256 {
		return "", scim.BadRequest(scim.TypeInvalidValue, "displayName is longer than 256 bytes")
	}
	return name, nil
}

func (s *Server) createGroup(ctx context.Context, companyID, name string, memberIDs []string) (Group, error) {
	name, err := cleanGroupName(name)
	if err != nil {
		return Group{}, err
	}
	id := s.newID()
	var g Group
	err = s.db.tx(ctx, func(tx *wtx) error {
		ids, err := checkMembers(ctx, tx, companyID, memberIDs)
		if err != nil {
			return err
		}
		now := s.now().UnixNano()
		if _, err := tx.ExecContext(ctx, `INSERT INTO groups (id, company_id, display_name, created, modified) VALUES (?, ?, ?, ?, ?)`,
			id, companyID, name, now, now); err != nil {
			return fmt.Errorf("quipsim: insert group: %w", err)
		}
		if err := setMembers(ctx, tx, id, ids); err != nil {
			return err
		}
		g, err = s.getGroup(ctx, tx, companyID, id)
		return err
	})
	return g, err
}

// replaceGroup is PUT: displayName and members are replaced; PUT never creates.
func (s *Server) replaceGroup(ctx context.Context, companyID, id, name string, memberIDs []string) (Group, error) {
	name, err := cleanGroupName(name)
	if err != nil {
		return Group{}, err
	}
	var g Group
	err = s.db.tx(ctx, func(tx *wtx) error {
		if _, err := s.getGroup(ctx, tx, companyID, id); err != nil {
			return err
		}
		ids, err := checkMembers(ctx, tx, companyID, memberIDs)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE groups SET display_name = ?, modified = ? WHERE id = ?`, name, s.now().UnixNano(), id); err != nil {
			return fmt.Errorf("quipsim: update group: %w", err)
		}
		if err := setMembers(ctx, tx, id, ids); err != nil {
			return err
		}
		g, err = s.getGroup(ctx, tx, companyID, id)
		return err
	})
	return g, err
}

func (s *Server) deleteGroup(ctx context.Context, companyID, id string) error {
	res, err := s.db.w.ExecContext(ctx, `DELETE FROM groups WHERE company_id = ? AND id = ?`, companyID, id)
	if err != nil {
		return fmt.Errorf("quipsim: delete group: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return scim.NotFound("group %q not found", id)
	}
	return nil
}

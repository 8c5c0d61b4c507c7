package quipsim

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/scim"
)

// Email is one of a user's e-mail addresses; its SCIM type is always "work".
type Email struct {
	Value   string
	Primary bool
}

// User is a Quip user as stored: one full name, no separate given and family names.
type User struct {
	ID          string
	CompanyID   string
	UserName    string
	ExternalID  string
	FullName    string
	DisplayName string
	Emails      []Email
	Active      bool
	Created     time.Time
	Modified    time.Time
}

// GivenName is the full name up to the first space.
func (u User) GivenName() string {
	g, _, _ := strings.Cut(u.FullName, " ")
	return g
}

// FamilyName is the full name after the first space.
func (u User) FamilyName() string {
	_, f, _ := strings.Cut(u.FullName, " ")
	return f
}

// userInput is what a write may change.
type userInput struct {
	ExternalID  string
	FullName    string
	DisplayName string
	Emails      []Email
	Active      *bool
}

const userColumns = `u.id, u.company_id, u.user_name, u.external_id, u.full_name, u.display_name, u.active, u.created, u.modified`

// loadUsers reads users (with e-mails) whose seq the subquery selects, in seq order.
func loadUsers(ctx context.Context, q querier, seqQuery string, args ...any) ([]User, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+userColumns+`, e.value, e.is_primary FROM users u
		LEFT JOIN user_emails e ON e.user_id = u.id
		WHERE u.seq IN (`+seqQuery+`) ORDER BY u.seq, e.position`, args...)
	if err != nil {
		return nil, fmt.Errorf("quipsim: load users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var created, modified int64
		var ev sql.NullString
		var ep sql.NullBool
		if err := rows.Scan(&u.ID, &u.CompanyID, &u.UserName, &u.ExternalID, &u.FullName, &u.DisplayName, &u.Active,
			&created, &modified, &ev, &ep); err != nil {
			return nil, fmt.Errorf("quipsim: load users: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].ID != u.ID {
			u.Created, u.Modified = time.Unix(0, created).UTC(), time.Unix(0, modified).UTC()
			out = append(out, u)
		}
		if ev.Valid {
			last := &out[len(out)-1]
			last.Emails = append(last.Emails, Email{Value: ev.String, Primary: ep.Bool})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("quipsim: load users: %w", err)
	}
	return out, nil
}

func (s *Server) getUser(ctx context.Context, q querier, companyID, id string) (User, error) {
	us, err := loadUsers(ctx, q, `SELECT seq FROM users WHERE company_id = ? AND id = ?`, companyID, id)
	if err != nil {
		return User{}, err
	}
	if len(us) == 0 {
		return User{}, scim.NotFound("user %q not found", id)
	}
	return us[0], nil
}

// GetUser returns one user of the company.
func (s *Server) GetUser(ctx context.Context, companyID, id string) (User, error) {
	return s.getUser(ctx, s.db.r, companyID, id)
}

// ListUsers returns every user of the company in creation order.
func (s *Server) ListUsers(ctx context.Context, companyID string) ([]User, error) {
	return loadUsers(ctx, s.db.r, `SELECT seq FROM users WHERE company_id = ?`, companyID)
}

// pageUsers returns the company's user count and one page of its users
// (none when limit is 0), read in one transaction so that the two agree
// while other requests write.
func (s *Server) pageUsers(ctx context.Context, companyID string, offset, limit int) (int, []User, error) {
	tx, err := s.db.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, nil, fmt.Errorf("quipsim: list users: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE company_id = ?`, companyID).Scan(&n); err != nil {
		return 0, nil, fmt.Errorf("quipsim: count users: %w", err)
	}
	if limit <= 0 {
		return n, nil, nil
	}
	page, err := loadUsers(ctx, tx, `SELECT seq FROM users WHERE company_id = ? ORDER BY seq LIMIT ? OFFSET ?`, companyID, limit, offset)
	return n, page, err
}

// findUsers answers an indexed equality lookup: attr is "emails.value",
// "userName", "externalId" or "id". Deactivated users are included.
func (s *Server) findUsers(ctx context.Context, companyID, attr, value string) ([]User, bool, error) {
	var q string
	var arg any = value
	switch attr {
	case "emails.value":
		q, arg = `SELECT u.seq FROM user_emails e JOIN users u ON u.id = e.user_id WHERE e.company_id = ? AND e.value_lower = ?`, strings.ToLower(value)
	case "userName":
		q, arg = `SELECT seq FROM users WHERE company_id = ? AND user_name = ?`, strings.ToLower(value)
	case "externalId":
		q = `SELECT seq FROM users WHERE company_id = ? AND external_id = ? AND external_id <> ''`
	case "id":
		q = `SELECT seq FROM users WHERE company_id = ? AND id = ?`
	default:
		return nil, false, nil
	}
	us, err := loadUsers(ctx, s.db.r, q, companyID, arg)
	return us, true, err
}

// createUser stores a new user; userName is assigned from the primary
// e-mail's local part, made unique within the company.
func (s *Server) createUser(ctx context.Context, companyID string, in userInput) (User, error) {
	now := s.now()
	u := User{ID: s.newID(), CompanyID: companyID, ExternalID: in.ExternalID, FullName: in.FullName,
		DisplayName: in.DisplayName, Emails: in.Emails, Active: true, Created: now, Modified: now}
	if in.Active != nil {
		u.Active = *in.Active
	}
	err := s.db.tx(ctx, func(tx *wtx) error {
		// Optimistic: the e-mail's local part is usually free; on a clash
		// the unique index answers and the next free name is looked up.
		u.UserName = userNameBase(primaryEmail(in.Emails))
		for attempt := 0; ; attempt++ {
			_, err := tx.ExecContext(ctx, `INSERT INTO users (id, company_id, user_name, external_id, full_name, display_name, active, created, modified)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, u.ID, companyID, u.UserName, u.ExternalID, u.FullName, u.DisplayName, u.Active,
				now.UnixNano(), now.UnixNano())
			if err == nil {
				break
			}
			if !isUnique(err) || attempt > 0 {
				return fmt.Errorf("quipsim: insert user: %w", err)
			}
			if u.UserName, err = freeUserName(ctx, tx, companyID, primaryEmail(in.Emails)); err != nil {
				return err
			}
		}
		return insertEmails(ctx, tx, companyID, u.ID, u.Emails)
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// updateUser replaces the writable attributes of a user with what
// change computes from the current user, in one transaction. Turning
// active off, or on again, ends all of the user's sessions.
func (s *Server) updateUser(ctx context.Context, companyID, id string, change func(User) (userInput, error)) (User, error) {
	var out User
	err := s.db.tx(ctx, func(tx *wtx) error {
		u, err := s.getUser(ctx, tx, companyID, id)
		if err != nil {
			return err
		}
		in, err := change(u)
		if err != nil {
			return err
		}
		active := u.Active
		if in.Active != nil {
			active = *in.Active
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE users SET external_id = ?, full_name = ?, display_name = ?, active = ?, modified = ? WHERE id = ?`,
			in.ExternalID, in.FullName, in.DisplayName, active, now.UnixNano(), id); err != nil {
			return fmt.Errorf("quipsim: update user: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_emails WHERE user_id = ?`, id); err != nil {
			return fmt.Errorf("quipsim: update user emails: %w", err)
		}
		if err := insertEmails(ctx, tx, companyID, id, in.Emails); err != nil {
			return err
		}
		if active != u.Active {
			if err := endSessions(ctx, tx, id); err != nil {
				return err
			}
		}
		u.ExternalID, u.FullName, u.DisplayName, u.Emails, u.Active, u.Modified = in.ExternalID, in.FullName, in.DisplayName, in.Emails, active, now
		out = u
		return nil
	})
	return out, err
}

// deactivateUser is Quip's DELETE: the user stays, inactive, and its sessions end.
func (s *Server) deactivateUser(ctx context.Context, companyID, id string) error {
	return s.db.tx(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET active = 0, modified = ? WHERE company_id = ? AND id = ?`, s.now().UnixNano(), companyID, id)
		if err != nil {
			return fmt.Errorf("quipsim: deactivate user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return scim.NotFound("user %q not found", id)
		}
		return endSessions(ctx, tx, id)
	})
}

func endSessions(ctx context.Context, tx *wtx, userID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("quipsim: end sessions: %w", err)
	}
	return nil
}

func insertEmails(ctx context.Context, tx *wtx, companyID, userID string, emails []Email) error {
	for i, e := range emails {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_emails (user_id, company_id, position, value, value_lower, is_primary) VALUES (?, ?, ?, ?, ?, ?)`,
			userID, companyID, i, e.Value, strings.ToLower(e.Value), e.Primary); err != nil {
			if isUnique(err) {
				return scim.Conflict("email %q is already used by another user of this company", e.Value)
			}
			return fmt.Errorf("quipsim: insert email: %w", err)
		}
	}
	return nil
}

func primaryEmail(emails []Email) string {
	for _, e := range emails {
		if e.Primary {
			return e.Value
		}
	}
	if len(emails) > 0 {
		return emails[0].Value
	}
	return ""
}

// userNameBase is the lowercase local part of an e-mail, keeping only
// [a-z0-9._-] (other characters become "-"), or "user" when nothing is left.
func userNameBase(email string) string {
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	var b strings.Builder
	for _, r := range local {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 || b.Len() > 64 {
		return "user"
	}
	return b.String()
}

// freeUserName returns base, or base2, base3, ... — the first not taken
// in the company. Both lookups use the (company_id, user_name) index.
func freeUserName(ctx context.Context, tx *wtx, companyID, email string) (string, error) {
	base := userNameBase(email)
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE company_id = ? AND user_name = ?`, companyID, base).Scan(&n); err != nil {
		return "", fmt.Errorf("quipsim: user names: %w", err)
	}
	if n == 0 {
		return base, nil
	}
	// base followed by digits sorts between base+"0" and base+":".
	rows, err := tx.QueryContext(ctx, `SELECT user_name FROM users WHERE company_id = ? AND user_name >= ? AND user_name < ?`,
		companyID, base+"0", base+":")
	if err != nil {
		return "", fmt.Errorf("quipsim: user names: %w", err)
	}
	defer rows.Close()
	taken := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return "", fmt.Errorf("quipsim: user names: %w", err)
		}
		taken[name] = true
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("quipsim: user names: %w", err)
	}
	for i := 2; ; i++ {
		if name := base + strconv.Itoa(i); !taken[name] {
			return name, nil
		}
	}
}

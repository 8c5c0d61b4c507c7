package importer

import (
	"context"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// inChunk bounds the values one "IN (...)" list carries.
const inChunk = 200

// names tells, within one read transaction, whether a username or an
// employee identifier is taken: by a directory user, or by a user an
// earlier step of the same batch will create (reserve). Answers are cached;
// prefetch reads a batch's likely candidates in a few queries.
type names struct {
	ctx       context.Context
	tx        *sqlstore.Tx
	usernames map[string]bool // lower-cased username → taken
	employees map[string]bool // employee identifier → taken
}

func newNames(ctx context.Context, tx *sqlstore.Tx) *names {
	return &names{ctx: ctx, tx: tx, usernames: map[string]bool{}, employees: map[string]bool{}}
}

func usernameKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// usernameTaken is true for "" and, to be safe, when the lookup fails.
func (n *names) usernameTaken(username string) bool {
	if username == "" {
		return true
	}
	key := usernameKey(username)
	if t, ok := n.usernames[key]; ok {
		return t
	}
	_, err := n.tx.GetUserByUsername(n.ctx, key)
	t := err == nil || directory.ErrorCode(err) != directory.ENOTFOUND
	n.usernames[key] = t
	return t
}

// employeeTaken is true, to be safe, when the lookup fails.
func (n *names) employeeTaken(id string) bool {
	if t, ok := n.employees[id]; ok {
		return t
	}
	var c int
	// The term employee_id <> '' lets SQLite use the partial unique index.
	err := n.tx.QueryRow(n.ctx, `SELECT COUNT(*) FROM users WHERE employee_id = ? AND employee_id <> ''`, id).Scan(&c)
	t := err != nil || c > 0
	n.employees[id] = t
	return t
}

// reserve marks u's username and employee identifier as taken.
func (n *names) reserve(u directory.User) {
	n.usernames[usernameKey(u.Username)] = true
	if u.EmployeeID != "" {
		n.employees[u.EmployeeID] = true
	}
}

// prefetch reads which of the usernames and employee identifiers of rus
// are taken, then which of the e-mail-derived usernames of those that
// cannot keep their own.
func (n *names) prefetch(rus []connector.RemoteUser) error {
	var users, emps []string
	for _, ru := range rus {
		u := asUser(ru)
		if k := usernameKey(u.Username); k != "" {
			users = append(users, k)
		}
		if u.EmployeeID != "" {
			emps = append(emps, u.EmployeeID)
		}
	}
	if err := n.fill(n.usernames, `SELECT username_key FROM users WHERE username_key IN `, "", users); err != nil {
		return err
	}
	if err := n.fill(n.employees, `SELECT employee_id FROM users WHERE employee_id IN `, ` AND employee_id <> ''`, emps); err != nil {
		return err
	}
	var bases []string
	for _, ru := range rus {
		u := asUser(ru)
		if u.Email != "" && directory.ValidEmail(u.Email) && (!ownUsername(u) || n.usernames[usernameKey(u.Username)] || u.Username == "") {
			bases = append(bases, usernameKey(usernameBase(u.Email)))
		}
	}
	return n.fill(n.usernames, `SELECT username_key FROM users WHERE username_key IN `, "", bases)
}

// fill sets m[v] for every v of vals: true when the query returns it.
func (n *names) fill(m map[string]bool, query, tail string, vals []string) error {
	for _, v := range vals {
		if _, ok := m[v]; !ok {
			m[v] = false
		}
	}
	return queryIn(n.ctx, n.tx, query, tail, vals, func(rows scanner) error {
		var v string
		if err := rows.Scan(&v); err != nil {
			return err
		}
		m[v] = true
		return nil
	})
}

type scanner interface{ Scan(dest ...any) error }

// queryIn runs query + "(?, ...)" + tail for vals in chunks and calls fn
// for each row.
func queryIn(ctx context.Context, tx *sqlstore.Tx, query, tail string, vals []string, fn func(scanner) error, extra ...any) error {
	for start := 0; start < len(vals); start += inChunk {
		part := vals[start:min(start+inChunk, len(vals))]
		args := make([]any, 0, len(part)+len(extra))
		for _, v := range part {
			args = append(args, v)
		}
		args = append(args, extra...)
		rows, err := tx.Query(ctx, query+"("+strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")+")"+tail, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := fn(rows); err != nil {
				rows.Close()
				return err
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

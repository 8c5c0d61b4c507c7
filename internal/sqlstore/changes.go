package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// pgChangesLock is the advisory lock key that makes change sequence numbers
// follow commit order on PostgreSQL (see AppendChanges).
const pgChangesLock = 0x6a67_6368_6773 // "jgchgs"

// AppendChanges writes the records and sets each one's Seq (and normalizes
// At to the stored value).
//
// On PostgreSQL an identity column alone would hand out numbers in the order
// transactions ask, not the order they commit, so a reader following Seq
// could skip a change that commits late. A transaction-scoped advisory lock
// taken before the first number is drawn and held until commit makes the
// two orders agree (writers of changes commit one at a time from there on).
// SQLite has a single writer, so its order already agrees.
func (t *Tx) AppendChanges(ctx context.Context, cs []directory.Change) error {
	if len(cs) == 0 {
		return nil
	}
	if t.dialect == Postgres {
		if _, err := t.Exec(ctx, "SELECT pg_advisory_xact_lock(?)", int64(pgChangesLock)); err != nil {
			return err
		}
	}
	for i := range cs {
		c := &cs[i]
		c.At = normTime(c.At)
		fields := []byte("[]")
		if len(c.Fields) > 0 {
			var err error
			if fields, err = json.Marshal(c.Fields); err != nil {
				return fmt.Errorf("sqlstore: encode change fields: %w", err)
			}
		}
		err := t.QueryRow(ctx, `INSERT INTO changes (at, actor_type, actor_id, actor_email, kind, resource_type,
			resource_id, resource_name, related_id, fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			TimeValue(c.At), string(c.Actor.Type), c.Actor.ID, c.Actor.Email, string(c.Kind), c.ResourceType,
			c.ResourceID, c.ResourceName, c.RelatedID, string(fields)).Scan(&c.Seq)
		if err != nil {
			return err
		}
	}
	return nil
}

// ListChanges returns the changes matching f in ascending Seq order.
func (t *Tx) ListChanges(ctx context.Context, f directory.ChangeFilter) ([]directory.Change, error) {
	conds := []string{"seq > ?"}
	args := []any{f.AfterSeq}
	if f.ResourceType != "" {
		conds, args = append(conds, "resource_type = ?"), append(args, f.ResourceType)
	}
	if f.ResourceID != "" {
		conds, args = append(conds, "resource_id = ?"), append(args, f.ResourceID)
	}
	rows, err := t.Query(ctx, `SELECT seq, at, actor_type, actor_id, actor_email, kind, resource_type, resource_id,
		resource_name, related_id, fields FROM changes`+whereClause(conds)+" ORDER BY seq LIMIT ?",
		append(args, directory.PageLimit(f.Limit))...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []directory.Change{}
	for rows.Next() {
		var c directory.Change
		var at int64
		var actorType, kind, fields string
		if err := rows.Scan(&c.Seq, &at, &actorType, &c.Actor.ID, &c.Actor.Email, &kind, &c.ResourceType,
			&c.ResourceID, &c.ResourceName, &c.RelatedID, &fields); err != nil {
			return nil, mapError(err)
		}
		c.At, c.Actor.Type, c.Kind = TimeOf(at), directory.ActorType(actorType), directory.ChangeKind(kind)
		if fields != "" && fields != "[]" {
			if err := json.Unmarshal([]byte(fields), &c.Fields); err != nil {
				return nil, fmt.Errorf("sqlstore: decode fields of change %d: %w", c.Seq, err)
			}
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	return out, nil
}

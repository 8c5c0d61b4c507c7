package provisionsink

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// describe fills in what an admin reading the event needs besides ids: the
// application's name and label, the user's e-mail and username or the
// group's name, and the initiating admin's e-mail. Whatever no longer exists
// (a deleted user) keeps only its id.
func describe(ctx context.Context, db *sqlstore.Store, e *insights.Event) error {
	return db.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		if a := e.Application; a != nil && a.ID != "" {
			if err := scanOptional(tx.QueryRow(ctx, `SELECT template_id, label FROM apps WHERE id = ?`, a.ID), &a.Name, &a.DisplayLabel); err != nil {
				return err
			}
		}
		if r := e.Resource; r != nil && r.ID != "" {
			switch r.Type {
			case "user":
				if err := scanOptional(tx.QueryRow(ctx, `SELECT username, email FROM users WHERE id = ?`, r.ID), &r.Name, &r.Email); err != nil {
					return err
				}
			case "group":
				if err := scanOptional(tx.QueryRow(ctx, `SELECT name FROM groups WHERE id = ?`, r.ID), &r.Name); err != nil {
					return err
				}
			}
		}
		if in := &e.InitiatedBy; in.Type == "admin" && in.ID != "" && in.Email == "" {
			if err := scanOptional(tx.QueryRow(ctx, `SELECT email FROM admins WHERE id = ?`, in.ID), &in.Email); err != nil {
				return err
			}
		}
		return nil
	})
}

func scanOptional(row *sqlstore.Row, dest ...any) error {
	if err := row.Scan(dest...); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return nil
}

package mail

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Message is a mail kept in the outbox.
type Message struct {
	ID      string    `json:"id"`
	To      string    `json:"to"`
	Subject string    `json:"subject"`
	Body    string    `json:"body"`
	Created time.Time `json:"created"`
}

// Outbox keeps mail in the database when no SMTP server is configured.
type Outbox struct {
	Store *sqlstore.Store
	Now   func() time.Time // time.Now when nil
}

// Send stores the message.
func (o *Outbox) Send(ctx context.Context, to, subject, body string) error {
	now := time.Now()
	if o.Now != nil {
		now = o.Now()
	}
	return o.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO mail_outbox (id, recipient, subject, body, created_at) VALUES (?, ?, ?, ?, ?)`,
			uuid.Must(uuid.NewV7()).String(), to, subject, body, now.UTC().UnixMilli())
		if err != nil {
			return fmt.Errorf("mail: outbox: %w", err)
		}
		return nil
	})
}

// List returns the newest messages first, at most limit (100 when <= 0).
func (o *Outbox) List(ctx context.Context, limit int) ([]Message, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	out := []Message{}
	err := o.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, recipient, subject, body, created_at FROM mail_outbox ORDER BY created_at DESC, id DESC LIMIT ?`, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m Message
			var at int64
			if err := rows.Scan(&m.ID, &m.To, &m.Subject, &m.Body, &at); err != nil {
				return err
			}
			m.Created = time.UnixMilli(at).UTC()
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("mail: list outbox: %w", err)
	}
	return out, nil
}

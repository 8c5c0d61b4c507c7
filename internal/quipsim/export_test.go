package quipsim

import (
	"context"
	"fmt"
)

// BulkCreateUsers inserts n users (u0@domain ... ) in one transaction,
// for benchmarks that need a large company quickly.
func BulkCreateUsers(ctx context.Context, s *Server, companyID, domain string, n int) error {
	return s.db.tx(ctx, func(tx *wtx) error {
		now := s.now().UnixNano()
		for i := range n {
			id := s.newID()
			email := fmt.Sprintf("u%d@%s", i, domain)
			if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, company_id, user_name, external_id, full_name, display_name, active, created, modified)
				VALUES (?, ?, ?, '', 'U N', 'U N', 1, ?, ?)`, id, companyID, fmt.Sprintf("u%d", i), now, now); err != nil {
				return err
			}
			if err := insertEmails(ctx, tx, companyID, id, []Email{{Value: email, Primary: true}}); err != nil {
				return err
			}
		}
		return nil
	})
}

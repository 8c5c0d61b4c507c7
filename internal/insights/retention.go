package insights

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// DefaultRetention is how long events are kept when not configured.
const DefaultRetention = 90 * 24 * time.Hour

// Prune deletes events older than retention (before Now-retention), in
// batches of batch rows (1000 when <= 0), each in its own transaction so that
// writers are never held up long. It returns how many it deleted.
func (s *Store) Prune(ctx context.Context, retention time.Duration, batch int) (int64, error) {
	if retention <= 0 {
		return 0, fmt.Errorf("insights: retention must be positive")
	}
	if batch <= 0 {
		batch = 1000
	}
	cutoff := sqlstore.TimeValue(s.now().Add(-retention))
	var total int64
	for {
		var n int64
		err := s.DB.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
			res, err := tx.Exec(ctx, `DELETE FROM insight_events WHERE id IN
				(SELECT id FROM insight_events WHERE ts < ? ORDER BY ts LIMIT ?)`, cutoff, batch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, fmt.Errorf("insights: prune: %w", err)
		}
		total += n
		if n < int64(batch) {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

// RunPruner prunes at once and then every interval (1 h when <= 0) until ctx
// ends, logging failures.
func (s *Store) RunPruner(ctx context.Context, retention, interval time.Duration, log *slog.Logger) {
	if interval <= 0 {
		interval = time.Hour
	}
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := s.Prune(ctx, retention, 0)
		if err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "insights: pruning events failed", "err", err)
		} else if n > 0 {
			log.InfoContext(ctx, "insights: pruned old events", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

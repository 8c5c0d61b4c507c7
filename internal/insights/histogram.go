package insights

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Bucket counts the events of one time slot [Start, Start+Width).
type Bucket struct {
	Start   time.Time `json:"start"`
	Success int64     `json:"success"`
	Failure int64     `json:"failure"`
}

// Histogram is the events of a query counted per time slot.
type Histogram struct {
	Start time.Time     `json:"start"`
	End   time.Time     `json:"end"`
	Width time.Duration `json:"width"`
	// Buckets covers Start to End slot by slot, empty slots included; it
	// is empty when the query selects no event and has no time range.
	Buckets []Bucket `json:"buckets"`
}

// Limits of Histogram's slot count.
const (
	DefaultBuckets = 48
	MaxBuckets     = 500
)

// bucketWidths are the slot widths Histogram picks from, smallest first.
var bucketWidths = []time.Duration{
	time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 3 * time.Hour,
	6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour,
}

// pickWidth returns the smallest slot width that covers span in at most n
// slots (whole days beyond the largest listed width).
func pickWidth(span time.Duration, n int) time.Duration {
	for _, w := range bucketWidths {
		if span <= w*time.Duration(n) {
			return w
		}
	}
	day := 24 * time.Hour
	per := (span + time.Duration(n) - 1) / time.Duration(n)
	return (per + day - 1) / day * day
}

// Histogram counts the events q selects per time slot, split by success,
// with one GROUP BY query (and, when q's time range is open at either end,
// one MIN/MAX query first to find the selected events' range). The slot
// width is the smallest of a fixed list (1 minute … 30 days) that covers the
// range in at most maxBuckets slots (DefaultBuckets when 0); a range found
// from the events is aligned to whole slots (UTC), a given Start is kept.
// Sort, Limit and SearchAfter are ignored. Invalid queries give an
// *InvalidError.
func (s *Store) Histogram(ctx context.Context, q Query, maxBuckets int) (*Histogram, error) {
	if maxBuckets == 0 {
		maxBuckets = DefaultBuckets
	}
	if maxBuckets < 1 || maxBuckets > MaxBuckets {
		return nil, invalid("buckets", fmt.Sprintf("must be between 1 and %d", MaxBuckets))
	}
	q.SearchAfter, q.Limit = "", 0
	if err := q.Normalize(); err != nil {
		return nil, err
	}
	where, args := s.where(&q)
	h := &Histogram{Start: q.Start, End: q.End, Buckets: []Bucket{}}
	err := s.DB.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		h.Buckets = h.Buckets[:0]
		start, end := int64(0), int64(0)
		if !q.Start.IsZero() {
			start = sqlstore.TimeValue(q.Start)
		}
		if !q.End.IsZero() {
			end = sqlstore.TimeValue(q.End)
		}
		open := q.Start.IsZero() || q.End.IsZero()
		if open {
			var lo, hi sql.NullInt64
			if err := tx.QueryRow(ctx, "SELECT MIN(ts), MAX(ts) FROM insight_events"+where, args...).Scan(&lo, &hi); err != nil {
				return err
			}
			if !lo.Valid {
				return nil // nothing selected and no range to show
			}
			if q.Start.IsZero() {
				start = lo.Int64
			}
			if q.End.IsZero() {
				end = hi.Int64 + 1
			}
			if end <= start {
				end = start + 1
			}
		}
		width := pickWidth(time.Duration(end-start)*time.Microsecond, maxBuckets)
		wµs := width.Microseconds()
		if q.Start.IsZero() {
			start = floorDiv(start, wµs) * wµs
		}
		if q.End.IsZero() {
			end = start + (end-start+wµs-1)/wµs*wµs
		}
		n := int((end - start + wµs - 1) / wµs)
		h.Start, h.End, h.Width = sqlstore.TimeOf(start), sqlstore.TimeOf(end), width
		for i := range n {
			h.Buckets = append(h.Buckets, Bucket{Start: sqlstore.TimeOf(start + int64(i)*wµs)})
		}
		qargs := append([]any{start, wµs}, args...)
		rows, err := tx.Query(ctx, "SELECT (ts - ?) / ?, success, COUNT(*) FROM insight_events"+where+" GROUP BY 1, 2", qargs...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var slot, ok, count int64
			if err := rows.Scan(&slot, &ok, &count); err != nil {
				return err
			}
			if slot < 0 || slot >= int64(n) {
				continue
			}
			if ok != 0 {
				h.Buckets[slot].Success += count
			} else {
				h.Buckets[slot].Failure += count
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("insights: histogram: %w", err)
	}
	return h, nil
}

// floorDiv divides rounding toward negative infinity (times before 1970).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

package insights

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Limits of a query page.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// Query selects events. The zero value is the newest DefaultLimit events.
type Query struct {
	Service     Service     `json:"service,omitempty"`
	EventTypes  []EventType `json:"event_type,omitempty"`
	Start       time.Time   `json:"start_time,omitzero"` // inclusive
	End         time.Time   `json:"end_time,omitzero"`   // exclusive
	SearchTerm  string      `json:"search_term,omitempty"`
	Sort        string      `json:"sort,omitempty"` // "ASC" or "DESC" (default)
	Limit       int         `json:"limit,omitempty"`
	SearchAfter string      `json:"search_after,omitempty"`
}

// InvalidError is a query the caller must correct.
type InvalidError struct {
	Field  string
	Reason string
	Valid  []string // the accepted values, when they are a list
}

func (e *InvalidError) Error() string {
	msg := e.Field + ": " + e.Reason
	if len(e.Valid) > 0 {
		msg += " (valid: " + strings.Join(e.Valid, ", ") + ")"
	}
	return msg
}

func invalid(field, reason string, valid ...string) error {
	return &InvalidError{Field: field, Reason: reason, Valid: valid}
}

// IsInvalid reports whether err is an *InvalidError.
func IsInvalid(err error) bool {
	var ie *InvalidError
	return errors.As(err, &ie)
}

// Normalize checks q and fills in defaults (sort DESC, limit DefaultLimit).
func (q *Query) Normalize() error {
	if q.Service != "" && !ValidService(q.Service) {
		names := make([]string, 0)
		for _, s := range Services() {
			names = append(names, string(s))
		}
		return invalid("service", fmt.Sprintf("unknown service %q", q.Service), names...)
	}
	for _, t := range q.EventTypes {
		if _, ok := Lookup(t); !ok {
			return invalid("event_type", fmt.Sprintf("unknown event type %q", t), TypeNames()...)
		}
	}
	if !q.Start.IsZero() && !q.End.IsZero() && !q.End.After(q.Start) {
		return invalid("end_time", "must be after start_time")
	}
	switch strings.ToUpper(q.Sort) {
	case "", "DESC":
		q.Sort = "DESC"
	case "ASC":
		q.Sort = "ASC"
	default:
		return invalid("sort", fmt.Sprintf("unknown sort %q", q.Sort), "ASC", "DESC")
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return invalid("limit", fmt.Sprintf("must be between 1 and %d", MaxLimit))
	}
	if len(q.SearchTerm) > 256 {
		return invalid("search_term", "must be at most 256 bytes")
	}
	return nil
}

// fingerprint identifies the query's filters and order, so that a cursor is
// accepted only by the query that produced it.
func (q *Query) fingerprint() []byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d\x00%s\x00", q.Service, q.Sort, q.Start.UnixMicro(), q.End.UnixMicro(), strings.ToLower(q.SearchTerm))
	for _, t := range q.EventTypes {
		fmt.Fprintf(h, "%s\x01", t)
	}
	return h.Sum(nil)
}

const macLen = 16

func (s *Store) cursorFor(q *Query, ts int64, id string) string {
	buf := binary.AppendVarint(nil, ts)
	buf = append(buf, id...)
	m := hmac.New(sha256.New, s.CursorKey)
	m.Write(q.fingerprint())
	m.Write(buf)
	buf = append(buf, m.Sum(nil)[:macLen]...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

func (s *Store) parseCursor(q *Query) (ts int64, id string, err error) {
	bad := invalid("search_after", "is not a cursor returned by this query")
	raw, derr := base64.RawURLEncoding.DecodeString(q.SearchAfter)
	if derr != nil || len(raw) < macLen+2 || len(raw) > 512 {
		return 0, "", bad
	}
	body, mac := raw[:len(raw)-macLen], raw[len(raw)-macLen:]
	m := hmac.New(sha256.New, s.CursorKey)
	m.Write(q.fingerprint())
	m.Write(body)
	if !hmac.Equal(mac, m.Sum(nil)[:macLen]) {
		return 0, "", bad
	}
	ts, n := binary.Varint(body)
	if n <= 0 {
		return 0, "", bad
	}
	return ts, string(body[n:]), nil
}

// Page is one page of a query.
type Page struct {
	Events []Event `json:"events"`
	// Next continues the query after the last event; "" when the page is
	// the last.
	Next string `json:"-"`
}

func (s *Store) where(q *Query) (string, []any) {
	var conds []string
	var args []any
	if q.Service != "" {
		conds = append(conds, "service = ?")
		args = append(args, string(q.Service))
	}
	if len(q.EventTypes) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?,", len(q.EventTypes)), ",")
		conds = append(conds, "event_type IN ("+ph+")")
		for _, t := range q.EventTypes {
			args = append(args, string(t))
		}
	}
	if !q.Start.IsZero() {
		conds = append(conds, "ts >= ?")
		args = append(args, sqlstore.TimeValue(q.Start))
	}
	if !q.End.IsZero() {
		conds = append(conds, "ts < ?")
		args = append(args, sqlstore.TimeValue(q.End))
	}
	if q.SearchTerm != "" {
		r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
		conds = append(conds, `search_text LIKE ? ESCAPE '\'`)
		args = append(args, "%"+r.Replace(strings.ToLower(q.SearchTerm))+"%")
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Query returns one page of the events q selects, ordered by time then id.
// Invalid queries and cursors give an *InvalidError.
func (s *Store) Query(ctx context.Context, q Query) (*Page, error) {
	if err := q.Normalize(); err != nil {
		return nil, err
	}
	where, args := s.where(&q)
	if q.SearchAfter != "" {
		ts, id, err := s.parseCursor(&q)
		if err != nil {
			return nil, err
		}
		op := "<"
		if q.Sort == "ASC" {
			op = ">"
		}
		cond := "(ts " + op + " ? OR (ts = ? AND id " + op + " ?))"
		if where == "" {
			where = " WHERE " + cond
		} else {
			where += " AND " + cond
		}
		args = append(args, ts, ts, id)
	}
	sql := "SELECT ts, id, body FROM insight_events" + where +
		" ORDER BY ts " + q.Sort + ", id " + q.Sort + " LIMIT ?"
	args = append(args, q.Limit+1)
	page := &Page{Events: []Event{}}
	var lastTS int64
	var lastID string
	err := s.DB.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		page.Events = page.Events[:0]
		rows, err := tx.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ts int64
			var id, body string
			if err := rows.Scan(&ts, &id, &body); err != nil {
				return err
			}
			if len(page.Events) == q.Limit {
				page.Next = "more"
				break
			}
			var e Event
			if err := json.Unmarshal([]byte(body), &e); err != nil {
				return fmt.Errorf("insights: decode event %s: %w", id, err)
			}
			page.Events = append(page.Events, e)
			lastTS, lastID = ts, id
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("insights: query: %w", err)
	}
	if page.Next != "" {
		page.Next = s.cursorFor(&q, lastTS, lastID)
	}
	return page, nil
}

// Count returns how many events q selects (Sort, Limit and SearchAfter
// are checked but do not narrow the count).
func (s *Store) Count(ctx context.Context, q Query) (int64, error) {
	q.SearchAfter = ""
	if err := q.Normalize(); err != nil {
		return 0, err
	}
	where, args := s.where(&q)
	var n int64
	err := s.DB.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		return tx.QueryRow(ctx, "SELECT COUNT(*) FROM insight_events"+where, args...).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("insights: count: %w", err)
	}
	return n, nil
}

// Export calls fn for every event q selects, in order, reading pages of
// q.Limit (MaxLimit when 0) internally. It stops at fn's first error.
func (s *Store) Export(ctx context.Context, q Query, fn func(Event) error) error {
	if q.Limit == 0 {
		q.Limit = 1000
	}
	for {
		page, err := s.Query(ctx, q)
		if err != nil {
			return err
		}
		for _, e := range page.Events {
			if err := fn(e); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		q.SearchAfter = page.Next
	}
}

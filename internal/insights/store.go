package insights

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// DefaultOrganization is the organization of events when none is configured.
const DefaultOrganization = "default"

// Store keeps events in the main database's insight_events table. Events are
// never updated; only retention (Prune) deletes them.
type Store struct {
	DB *sqlstore.Store
	// Organization stamps events that carry none; DefaultOrganization when "".
	Organization string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// NewID makes event ids; UUIDv7 (time-ordered) when nil.
	NewID func() string
	// CursorKey signs query cursors. New sets a random one; a configured,
	// stable key keeps cursors valid across restarts.
	CursorKey []byte
}

// New returns a Store on db with a random cursor key.
func New(db *sqlstore.Store) *Store {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &Store{DB: db, CursorKey: key}
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Store) newID() string {
	if s.NewID != nil {
		return s.NewID()
	}
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// Record appends e in its own transaction. See RecordTx.
func (s *Store) Record(ctx context.Context, e Event) error {
	return s.RecordBatch(ctx, []Event{e})
}

// RecordBatch appends events in one transaction, many rows per statement.
func (s *Store) RecordBatch(ctx context.Context, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	return s.DB.UpdateTx(ctx, func(tx *sqlstore.Tx) error { return s.RecordBatchTx(ctx, tx, events) })
}

// RecordBatchTx appends events inside tx (see RecordTx).
func (s *Store) RecordBatchTx(ctx context.Context, tx *sqlstore.Tx, events []Event) error {
	for len(events) > 0 {
		n := min(len(events), rowsPerInsert)
		var b strings.Builder
		b.WriteString(insertSQL)
		args := make([]any, 0, n*14)
		for i, e := range events[:n] {
			row, err := s.row(e)
			if err != nil {
				return err
			}
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(valuesSQL)
			args = append(args, row...)
		}
		if _, err := tx.Exec(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("insights: append events: %w", err)
		}
		events = events[n:]
	}
	return nil
}

const (
	rowsPerInsert = 500 // 14 parameters a row: under both dialects' limits
	insertSQL     = `INSERT INTO insight_events (id, ts, event_type, service, organization, client_ip,
		initiator_id, initiator_type, success, resource_id, resource_type, application_id, search_text, body) VALUES `
	valuesSQL = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

// RecordTx appends e inside tx, so the event commits or rolls back with the
// caller's work. Missing ID, Timestamp, Service (from the catalogue) and
// Organization are filled in; an event type outside the catalogue is an error.
func (s *Store) RecordTx(ctx context.Context, tx *sqlstore.Tx, e Event) error {
	row, err := s.row(e)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, insertSQL+valuesSQL, row...); err != nil {
		return fmt.Errorf("insights: append event: %w", err)
	}
	return nil
}

// row completes e and returns its column values.
func (s *Store) row(e Event) ([]any, error) {
	info, ok := Lookup(e.EventType)
	if !ok {
		return nil, fmt.Errorf("insights: unknown event type %q", e.EventType)
	}
	if e.ID == "" {
		e.ID = s.newID()
	}
	if e.Timestamp.IsZero() {
		e.Timestamp = s.now()
	}
	e.Timestamp = sqlstore.TimeOf(sqlstore.TimeValue(e.Timestamp))
	if e.Service == "" {
		e.Service = info.Service
	}
	if e.Organization == "" {
		e.Organization = s.Organization
		if e.Organization == "" {
			e.Organization = DefaultOrganization
		}
	}
	body, err := e.MarshalJSON() // direct: json.Marshal would re-validate and compact it
	if err != nil {
		return nil, fmt.Errorf("insights: encode event: %w", err)
	}
	var resID, resType, appID string
	if e.Resource != nil {
		resID, resType = e.Resource.ID, e.Resource.Type
	}
	if e.Application != nil {
		appID = e.Application.ID
	}
	success := 0
	if e.Success {
		success = 1
	}
	return []any{e.ID, sqlstore.TimeValue(e.Timestamp), string(e.EventType), string(e.Service), e.Organization, e.ClientIP,
		e.InitiatedBy.ID, e.InitiatedBy.Type, success, resID, resType, appID, e.searchText(), string(body)}, nil
}

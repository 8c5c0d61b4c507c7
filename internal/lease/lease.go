package lease

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Store keeps leases in the leases table of a Jumpgate database (SQLite or
// PostgreSQL). Every call is one statement in its own transaction, so two
// holders racing for a name never both win. Times come from Now, the
// clock of the calling replica: replicas' clocks should agree to well
// within the shortest TTL in use.
type Store struct {
	DB *sqlstore.Store
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Lease is the current state of one name.
type Lease struct {
	Name       string
	Holder     string
	AcquiredAt time.Time
	Until      time.Time
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func check(name, holder string, ttl time.Duration, needTTL bool) error {
	var fe []directory.FieldError
	if name == "" || len(name) > 200 {
		fe = append(fe, directory.FieldError{Field: "name", Reason: "must be 1 to 200 characters"})
	}
	if holder == "" || len(holder) > 200 {
		fe = append(fe, directory.FieldError{Field: "holder", Reason: "must be 1 to 200 characters"})
	}
	if needTTL && ttl <= 0 {
		fe = append(fe, directory.FieldError{Field: "ttl", Reason: "must be positive"})
	}
	if len(fe) > 0 {
		return directory.Invalid(fe...)
	}
	return nil
}

// TryAcquire takes name for holder until now+ttl when nobody holds it, its
// lease has expired, or holder holds it already (then it is extended). It
// reports whether holder holds the lease after the call. It is one atomic
// conditional upsert: of several holders racing for a free name exactly
// one wins. Storage errors are the sqlstore's (EUNAVAILABLE when the
// database cannot be reached); bad arguments are EINVALID.
func (s *Store) TryAcquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	_, ok, err := s.acquire(ctx, name, holder, ttl)
	return ok, err
}

// acquire is TryAcquire that also returns the new end of the lease.
func (s *Store) acquire(ctx context.Context, name, holder string, ttl time.Duration) (time.Time, bool, error) {
	if err := check(name, holder, ttl, true); err != nil {
		return time.Time{}, false, err
	}
	now := s.now()
	until := now.Add(ttl)
	nv, uv := sqlstore.TimeValue(now), sqlstore.TimeValue(until)
	var n int64
	err := s.DB.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		// On conflict the right-hand sides see the old row: a holder
		// extending its own live lease keeps its acquired_at.
		res, err := tx.Exec(ctx, `INSERT INTO leases (name, holder, acquired_at, lease_until) VALUES (?, ?, ?, ?)
ON CONFLICT (name) DO UPDATE SET
  acquired_at = CASE WHEN leases.holder = excluded.holder AND leases.lease_until > ? THEN leases.acquired_at ELSE excluded.acquired_at END,
  holder = excluded.holder,
  lease_until = excluded.lease_until
WHERE leases.lease_until <= ? OR leases.holder = excluded.holder`, name, holder, nv, uv, nv, nv)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("lease: acquire %s: %w", name, err)
	}
	return until, n > 0, nil
}

// Renew extends holder's live lease of name to now+ttl. It reports false
// when holder no longer holds it (released, expired, or taken by another
// holder): the holder must then stop what the lease protects.
func (s *Store) Renew(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if err := check(name, holder, ttl, true); err != nil {
		return false, err
	}
	now := s.now()
	var n int64
	err := s.DB.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE leases SET lease_until = ? WHERE name = ? AND holder = ? AND lease_until > ?`,
			sqlstore.TimeValue(now.Add(ttl)), name, holder, sqlstore.TimeValue(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("lease: renew %s: %w", name, err)
	}
	return n > 0, nil
}

// Release gives name up if holder holds it, so that another holder may
// take it at once; otherwise it does nothing. It is idempotent.
func (s *Store) Release(ctx context.Context, name, holder string) error {
	if err := check(name, holder, 0, false); err != nil {
		return err
	}
	err := s.DB.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder)
		return err
	})
	if err != nil {
		return fmt.Errorf("lease: release %s: %w", name, err)
	}
	return nil
}

// Get reads the lease of name, expired or not; ENOTFOUND when there is none.
func (s *Store) Get(ctx context.Context, name string) (*Lease, error) {
	l := &Lease{Name: name}
	err := s.DB.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		var acq, until int64
		if err := tx.QueryRow(ctx, `SELECT holder, acquired_at, lease_until FROM leases WHERE name = ?`, name).Scan(&l.Holder, &acq, &until); err != nil {
			return err
		}
		l.AcquiredAt, l.Until = sqlstore.TimeOf(acq), sqlstore.TimeOf(until)
		return nil
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, directory.NotFound("lease", name)
	}
	if err != nil {
		return nil, fmt.Errorf("lease: get %s: %w", name, err)
	}
	return l, nil
}

// ProcessHolder names this process for leases: the host name, the process
// id and 32 random bits (a restarted container can reuse both host name
// and pid). Call it once per process and keep the result.
func ProcessHolder() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "jumpgate"
	}
	var b [4]byte
	_, _ = crand.Read(b[:]) // never fails on supported platforms
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

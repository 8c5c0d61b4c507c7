package lifecycle

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
)

// Effect is work that a committed change causes (for example marking
// provisioning keys dirty). Effects run inside the same transaction as the
// mutation, after its change records are appended, in the order of
// Service.Effects. An Effect must touch only tx: no network calls, no
// goroutines, no state outside the database, since the transaction may be
// rolled back or retried. An error aborts the whole mutation.
type Effect func(ctx context.Context, tx directory.Tx, changes []directory.Change) error

// Service runs the directory's use cases. Every mutating method validates
// its input first (EINVALID, naming fields), then in one Store.Update
// performs the mutation, appends its directory.Change records and runs the
// Effects. A call that changes nothing writes nothing.
type Service struct {
	Store directory.Store
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// NewID makes resource ids; UUIDv7 when nil.
	NewID func() string
	// Effects run inside each mutating transaction; see Effect.
	Effects []Effect
	// Hasher hashes admin passwords; the zero value uses auth.DefaultParams.
	Hasher auth.Hasher
	// Rand is the randomness for API keys and generated passwords;
	// crypto/rand when nil.
	Rand io.Reader
	// Sealer seals applications' private signing keys; the application use
	// cases that make or use keys fail without it.
	Sealer *secrets.Sealer
	// BaseURL is the server's public URL; applications' default IdP URLs
	// are BaseURL/saml2/<slug>.
	BaseURL string
	// KeyValidity is how long generated signing certificates are valid;
	// DefaultKeyValidity when zero.
	KeyValidity time.Duration
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) newID() string {
	if s.NewID != nil {
		return s.NewID()
	}
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// commit runs fn in one transaction; the changes fn returns are appended
// and handed to the Effects before the transaction commits.
func (s *Service) commit(ctx context.Context, fn func(tx directory.Tx) ([]directory.Change, error)) error {
	return s.Store.Update(ctx, func(tx directory.Tx) error {
		changes, err := fn(tx)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			return nil
		}
		if err := tx.AppendChanges(ctx, changes); err != nil {
			return fmt.Errorf("lifecycle: append changes: %w", err)
		}
		for _, eff := range s.Effects {
			if err := eff(ctx, tx, changes); err != nil {
				return err
			}
		}
		return nil
	})
}

// MaxMembersPerCall bounds the user ids one AddMembers or RemoveMembers call
// accepts.
const MaxMembersPerCall = directory.MaxPageSize

func checkIDs(field string, ids []string) error {
	if len(ids) == 0 {
		return directory.Invalid(directory.FieldError{Field: field, Reason: "must list at least one id"})
	}
	if len(ids) > MaxMembersPerCall {
		return directory.Invalid(directory.FieldError{Field: field, Reason: fmt.Sprintf("must list at most %d ids", MaxMembersPerCall)})
	}
	for i, id := range ids {
		if id == "" || len(id) > 128 {
			return directory.Invalid(directory.FieldError{Field: fmt.Sprintf("%s[%d]", field, i), Reason: "must be a user id"})
		}
	}
	return nil
}

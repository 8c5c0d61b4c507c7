package samlidp

import (
	"context"
	"fmt"
	"time"
)

// ReplayStore remembers AuthnRequest IDs until they expire.
type ReplayStore interface {
	// MarkRequestUsed records (spEntityID, id) until expires and reports
	// whether this is the first time it is seen. It must be atomic across
	// replicas: of two concurrent calls with the same key exactly one gets
	// true. Entries may be deleted after expires. Errors are storage
	// failures.
	MarkRequestUsed(ctx context.Context, spEntityID, id string, expires time.Time) (first bool, err error)
}

// CheckReplay marks req as used in store and returns an error wrapping
// ErrReplayed if it was used before. The ID is kept for as long as the
// request could still pass the IssueInstant check.
func CheckReplay(ctx context.Context, store ReplayStore, req *AuthnRequest) error {
	skew := DefaultClockSkew
	if req.App != nil {
		skew = req.App.skew()
	}
	expires := req.IssueInstant.Add(MaxRequestAge + 2*skew)
	first, err := store.MarkRequestUsed(ctx, req.SPEntityID, req.ID, expires)
	if err != nil {
		return fmt.Errorf("samlidp: replay store: %w", err)
	}
	if !first {
		return fmt.Errorf("%w: ID %q from %q", ErrReplayed, req.ID, req.SPEntityID)
	}
	return nil
}

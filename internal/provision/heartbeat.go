package provision

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// minRenewEvery bounds how often leases are renewed.
const minRenewEvery = 10 * time.Millisecond

// keeper renews the leases a worker holds, every third of LeaseTTL, until
// each key is done: a reconcile slower than the TTL keeps its key, so no
// other worker takes it meanwhile. A lease is extended only while
// lease_owner is still ours; once lost (released, or taken after a
// missed renewal) it is dropped and never taken back.
type keeper struct {
	e    *Engine
	mu   sync.Mutex
	held map[Key]bool
	stop chan struct{}
	done chan struct{}
}

// hold starts renewing the leases of keys until release or close.
func (e *Engine) hold(ctx context.Context, keys []Key) *keeper {
	k := &keeper{e: e, held: make(map[Key]bool, len(keys)), stop: make(chan struct{}), done: make(chan struct{})}
	for _, key := range keys {
		k.held[key] = true
	}
	every := max(e.ttl()/3, minRenewEvery)
	go func() {
		defer close(k.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-k.stop:
				return
			case <-t.C:
				k.renew(ctx)
			}
		}
	}()
	return k
}

// release stops renewing key (its outcome is about to be recorded).
func (k *keeper) release(key Key) {
	k.mu.Lock()
	delete(k.held, key)
	k.mu.Unlock()
}

// close stops the keeper and waits for it.
func (k *keeper) close() {
	close(k.stop)
	<-k.done
}

func (k *keeper) renew(ctx context.Context) {
	k.mu.Lock()
	keys := make([]Key, 0, len(k.held))
	for key := range k.held {
		keys = append(keys, key)
	}
	k.mu.Unlock()
	if len(keys) == 0 {
		return
	}
	var lost []Key
	err := k.e.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		lost = lost[:0]
		until := sqlstore.TimeValue(k.e.now().Add(k.e.ttl()))
		for _, key := range keys {
			res, err := tx.Exec(ctx, `UPDATE prov_queue SET lease_until = ? WHERE app_id = ? AND kind = ? AND subject_id = ? AND lease_owner = ?`,
				until, key.AppID, key.Kind, key.SubjectID, k.e.owner())
			if err != nil {
				return fmt.Errorf("provision: renew lease: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				lost = append(lost, key)
			}
		}
		return nil
	})
	if err != nil {
		// Storage trouble: try again at the next tick, before the TTL ends.
		return
	}
	k.mu.Lock()
	for _, key := range lost {
		delete(k.held, key)
	}
	k.mu.Unlock()
}

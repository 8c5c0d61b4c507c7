package provision_test

import (
	"database/sql"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
)

// A reconcile slower than the lease TTL keeps its lease: a second worker
// polling all the while never takes the key.
func TestLeaseRenewedDuringSlowReconcile(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice", directory.UserActivated)
	// Groups off: alice's key is the only slow one.
	if _, err := e.mgr.Configure(e.ctx, "admin:a1", e.appID, provision.SettingsUpdate{GroupsEnabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	e.activate()
	e.bind(e.group("sales", alice))
	// Every SCIM answer takes longer than the whole lease.
	if err := e.sim.SetFaults(quipsim.Faults{Latency: 800 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	const ttl = 500 * time.Millisecond
	a := &provision.Engine{Store: e.store, Manager: e.mgr, Events: e.events, Owner: "a", Workers: 1, LeaseTTL: ttl,
		Rand: rand.New(rand.NewPCG(5, 6))}
	bEvents := &sink{}
	b := &provision.Engine{Store: e.store, Manager: e.mgr, Events: bEvents, Owner: "b", Workers: 1, LeaseTTL: ttl,
		Rand: rand.New(rand.NewPCG(7, 8))}
	// a takes alice's key first.
	start := time.Now()
	aRes := make(chan error, 1)
	var took time.Duration
	go func() {
		_, err := a.SyncNow(e.ctx, e.appID, provision.KindUser, alice.ID)
		took = time.Since(start)
		aRes <- err
	}()
	for leaseOwner(t, e, alice.ID) != "a" {
		if time.Since(start) > 5*time.Second {
			t.Fatal("a never leased alice's key")
		}
		time.Sleep(2 * time.Millisecond)
	}
	var aDone atomic.Bool
	bStopped := make(chan struct{})
	go func() {
		defer close(bStopped)
		for !aDone.Load() {
			if err := b.Drain(e.ctx); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	// Watch who holds alice's key while a works on it.
	var stolen atomic.Value
	watchStop := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			select {
			case <-watchStop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if o := leaseOwner(t, e, alice.ID); o != "" && o != "a" {
				stolen.Store(o + " at " + time.Since(start).String())
			}
		}
	}()
	err := <-aRes
	close(watchStop)
	<-watched
	aDone.Store(true)
	<-bStopped
	if err != nil {
		t.Fatal(err)
	}
	if took < 3*ttl {
		t.Fatalf("the reconcile took %v: not slower than the lease", took)
	}
	if o := stolen.Load(); o != nil {
		t.Fatalf("worker %v took alice's key while a held it (a took %v)", o, took)
	}
	for _, ev := range bEvents.snapshot() {
		if ev.SubjectID == alice.ID {
			t.Fatalf("worker b worked alice's key, held by a: %+v", ev)
		}
	}
	if err := e.sim.SetFaults(quipsim.Faults{}); err != nil {
		t.Fatal(err)
	}
	if n := e.events.count("user_create_provision"); n != 1 {
		t.Fatalf("alice created %d times by a", n)
	}
	if us := e.remoteUsers(); len(us) != 1 {
		t.Fatalf("remote users %d", len(us))
	}
}

// leaseOwner reads who holds the lease of a user key ("" when nobody).
func leaseOwner(t *testing.T, e *env, userID string) string {
	var owner string
	err := e.store.ViewTx(e.ctx, func(tx *sqlstoreTx) error {
		err := tx.QueryRow(e.ctx, `SELECT lease_owner FROM prov_queue WHERE app_id = ? AND kind = 'user' AND subject_id = ?`,
			e.appID, userID).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		t.Error(err)
	}
	return owner
}

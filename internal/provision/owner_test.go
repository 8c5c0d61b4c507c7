package provision_test

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
)

// Engines left with the default Owner (as every replica of serve is) lease
// under different names, so that one replica's lease checks never mistake
// another's lease for its own.
func TestDefaultOwnersDiffer(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.user("alice", directory.UserActivated), e.user("bob", directory.UserActivated)
	if _, err := e.mgr.Configure(e.ctx, "admin:a1", e.appID, provision.SettingsUpdate{GroupsEnabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	e.activate()
	e.bind(e.group("sales", alice, bob))
	if err := e.sim.SetFaults(quipsim.Faults{Latency: 300 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	ownerWhileSyncing := func(seed uint64, u *directory.User) string {
		eng := &provision.Engine{Store: e.store, Manager: e.mgr, Events: &sink{}, Workers: 1, Rand: rand.New(rand.NewPCG(seed, seed))}
		done := make(chan error, 1)
		go func() { _, err := eng.SyncNow(e.ctx, e.appID, provision.KindUser, u.ID); done <- err }()
		var owner string
		for deadline := time.Now().Add(5 * time.Second); owner == "" && time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
			owner = leaseOwner(t, e, u.ID)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		return owner
	}
	a, b := ownerWhileSyncing(1, alice), ownerWhileSyncing(2, bob)
	host, _ := os.Hostname()
	if a == "" || a == b || !strings.HasPrefix(a, host+":") || !strings.HasPrefix(b, host+":") {
		t.Fatalf("default lease owners %q and %q: want two different host:pid:random names", a, b)
	}
}

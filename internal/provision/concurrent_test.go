package provision_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
)

// Two engines on one database never work a key twice at once: no duplicates.
func TestTwoEngines(t *testing.T) {
	e := newEnv(t)
	e.activate()
	var users []*directory.User
	for i := range 40 {
		users = append(users, e.user(fmt.Sprintf("t%02d", i), directory.UserActivated))
	}
	if err := e.sim.SetFaults(quipsim.Faults{Latency: 2 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	e.bind(e.group("all", users...))
	other := &provision.Engine{Store: e.store, Manager: e.mgr, Owner: "other", Now: e.clk.Now, Rand: rand.New(rand.NewPCG(3, 4))}
	e.drainTogether(other)
	e.converge()
	if us, gs := e.remoteUsers(), e.remoteGroups(); len(us) != 40 || len(gs["all"]) != 40 {
		t.Fatalf("users %d group %d", len(us), len(gs["all"]))
	}
}

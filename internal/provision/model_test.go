package provision_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// TestModel applies random directory changes (200 rounds of 1-4 changes),
// converges after each round and checks the app against the directory.
func TestModel(t *testing.T) {
	e := newEnv(t)
	e.activate()
	r := rand.New(rand.NewPCG(7, 11))
	rounds := 200
	if testing.Short() {
		rounds = 40
	}
	var users []*directory.User
	var groups []*directory.Group
	n := 0
	for round := range rounds {
		for range 1 + r.IntN(4) {
			e.randomChange(r, &users, &groups, &n)
		}
		if r.IntN(3) == 0 {
			e.drain() // partial work between rounds
			continue
		}
		e.converge()
		e.checkModel(fmt.Sprintf("round %d", round))
	}
	e.converge()
	e.checkModel("end")
}

func (e *env) randomChange(r *rand.Rand, users *[]*directory.User, groups *[]*directory.Group, n *int) {
	e.t.Helper()
	pickU := func() *directory.User { return (*users)[r.IntN(len(*users))] }
	pickG := func() *directory.Group { return (*groups)[r.IntN(len(*groups))] }
	switch op := r.IntN(10); {
	case op == 0 || len(*users) < 3:
		*n++
		*users = append(*users, e.user(fmt.Sprintf("m%03d", *n), directory.UserActivated))
	case op == 1 || len(*groups) < 2:
		*n++
		*groups = append(*groups, e.group(fmt.Sprintf("g%03d", *n)))
	case op == 2:
		e.add(pickG(), pickU())
	case op == 3:
		if _, err := e.svc.RemoveMembers(e.ctx, admin, pickG().ID, []string{pickU().ID}); err != nil && directory.ErrorCode(err) != directory.ENOTFOUND {
			e.t.Fatal(err)
		}
	case op == 4:
		st := directory.UserSuspended
		if r.IntN(2) == 0 {
			st = directory.UserActivated
		}
		if _, err := e.svc.UpdateUser(e.ctx, admin, pickU().ID, directory.UserUpdate{State: &st}); err != nil {
			e.t.Fatal(err)
		}
	case op == 5:
		u := pickU()
		if _, err := e.svc.UpdateUser(e.ctx, admin, u.ID, directory.UserUpdate{LastName: ptr(fmt.Sprintf("L%d", r.IntN(100)))}); err != nil {
			e.t.Fatal(err)
		}
	case op == 6:
		e.bind(pickG())
	case op == 7:
		g := pickG()
		if _, err := e.svc.UpdateGroup(e.ctx, admin, g.ID, directory.GroupUpdate{Name: ptr(fmt.Sprintf("%s-%d", g.Name, r.IntN(1000)))}); err != nil &&
			directory.ErrorCode(err) != directory.ECONFLICT {
			e.t.Fatal(err)
		}
	case op == 8 && len(*users) > 3:
		i := r.IntN(len(*users))
		if err := e.svc.DeleteUser(e.ctx, admin, (*users)[i].ID); err != nil {
			e.t.Fatal(err)
		}
		*users = slices.Delete(*users, i, i+1)
	case op == 9 && len(*groups) > 2:
		i := r.IntN(len(*groups))
		if err := e.svc.DeleteGroup(e.ctx, admin, (*groups)[i].ID); err != nil {
			e.t.Fatal(err)
		}
		*groups = slices.Delete(*groups, i, i+1)
	}
}

// checkModel compares the app with the directory: active users are exactly
// the activated members of bound groups, with their names; each bound group
// with activated members exists with exactly those members.
func (e *env) checkModel(when string) {
	e.t.Helper()
	wantActive := map[string]string{} // email -> last name
	wantGroups := map[string][]string{}
	err := e.store.ViewTx(e.ctx, func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(e.ctx, `SELECT DISTINCT u.email, u.lastname FROM users u JOIN group_members gm ON gm.user_id = u.id
JOIN app_groups ag ON ag.group_id = gm.group_id WHERE ag.app_id = ? AND u.state = 'activated'`, e.appID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var em, ln string
			if err := rows.Scan(&em, &ln); err != nil {
				rows.Close()
				return err
			}
			wantActive[em] = ln
		}
		rows.Close()
		rows, err = tx.Query(e.ctx, `SELECT g.name, u.email FROM groups g JOIN app_groups ag ON ag.group_id = g.id AND ag.app_id = ?
JOIN group_members gm ON gm.group_id = g.id JOIN users u ON u.id = gm.user_id AND u.state = 'activated'`, e.appID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var gn, em string
			if err := rows.Scan(&gn, &em); err != nil {
				return err
			}
			wantGroups[gn] = append(wantGroups[gn], em)
		}
		return rows.Err()
	})
	if err != nil {
		e.t.Fatal(err)
	}
	for email, u := range e.remoteUsers() {
		ln, want := wantActive[email]
		if u.Active != want {
			e.t.Fatalf("%s: %s active=%v want %v", when, email, u.Active, want)
		}
		if want && u.FamilyName != ln {
			e.t.Fatalf("%s: %s family name %q want %q", when, email, u.FamilyName, ln)
		}
		delete(wantActive, email)
	}
	if len(wantActive) > 0 {
		e.t.Fatalf("%s: missing in the app: %v", when, wantActive)
	}
	have := e.remoteGroups()
	for name, members := range wantGroups {
		if got := have[name]; !slices.Equal(got, sortStrings(members)) {
			e.t.Fatalf("%s: group %s = %v want %v", when, name, got, members)
		}
	}
}

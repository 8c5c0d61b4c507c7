package quipsim_test

import (
	"fmt"
	"sync"
	"testing"
)

// GET /Users counts and lists the company's users in one read transaction:
// while users are being created, totalResults always equals the number of
// Resources of a page that holds them all.
func TestListUsersCountMatchesPageUnderWrites(t *testing.T) {
	e := newEnv(t, nil)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 60 {
			r := e.do("POST", "/2/Users", userBody(fmt.Sprintf("w%02d@acme.test", i), "W", fmt.Sprint(i)))
			if r.Status != 201 {
				t.Errorf("create: %d %s", r.Status, r.Body)
				return
			}
		}
	})
	for range 60 {
		r := e.do("GET", "/2/Users?count=1000", nil)
		m := r.JSON(t)
		total := int(m["totalResults"].(float64))
		if n := len(resources(t, r)); n != total {
			t.Fatalf("totalResults %d but %d Resources", total, n)
		}
	}
	wg.Wait()
}

package auth_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
)

func TestLimiterBoundsConcurrentHashes(t *testing.T) {
	lim := auth.NewLimiter(2)
	h := auth.Hasher{Params: auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, Limit: lim}
	enc, err := h.Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	var peak atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				if n := int64(lim.InUse()); n > peak.Load() {
					peak.Store(n)
				}
			}
		}
	}()
	for range 16 {
		wg.Go(func() {
			if ok, _, err := h.Verify(enc, "correct horse battery staple"); !ok || err != nil {
				t.Errorf("verify: %v %v", ok, err)
			}
		})
	}
	wg.Wait()
	close(stop)
	if p := peak.Load(); p > 2 {
		t.Fatalf("%d hashes ran at once with a limit of 2", p)
	}
	if lim.InUse() != 0 {
		t.Fatal("slots not given back")
	}
	// A nil limiter does not limit.
	var none *auth.Limiter
	if none.InUse() != 0 {
		t.Fatal("nil limiter in use")
	}
}

package quip_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
)

func TestFaultClassification(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	u := e.createUser("f@acme.test", "F", "G")
	cases := []struct {
		name   string
		faults quipsim.Faults
		check  func(*connector.Error) bool
	}{
		{"5xx", quipsim.Faults{ErrorRate: 1}, func(ce *connector.Error) bool {
			return (ce.HTTPStatus == 500 || ce.HTTPStatus == 503) && ce.Detail != ""
		}},
		{"429", quipsim.Faults{ThrottleRate: 1, RetryAfter: 3 * time.Second}, func(ce *connector.Error) bool {
			return ce.HTTPStatus == 429 && ce.RetryAfter == 3*time.Second
		}},
		{"dropped", quipsim.Faults{DropRate: 1}, func(ce *connector.Error) bool { return ce.HTTPStatus == 0 && ce.Err != nil }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := e.sim.SetFaults(tc.faults); err != nil {
				t.Fatal(err)
			}
			defer e.sim.SetFaults(quipsim.Faults{})
			for i := 0; i < 4; i++ {
				_, err := e.conn.GetUser(ctx, u.ID)
				ce := connector.AsError(err)
				if ce == nil || !connector.IsTemporary(err) || !tc.check(ce) {
					t.Fatalf("got %#v", err)
				}
				if connector.IsConflict(err) || connector.IsNotFound(err) {
					t.Fatalf("misclassified: %v", err)
				}
			}
			if tc.name == "429" && connector.RetryAfter(&connector.Error{}) != 0 {
				t.Fatal("RetryAfter of an empty error")
			}
		})
	}
	if _, err := e.conn.GetUser(ctx, u.ID); err != nil {
		t.Fatalf("after faults: %v", err)
	}
}

func TestRateLimitReported(t *testing.T) {
	e := newEnv(t, func(c *quipsim.Config) { c.RateLimit = 3 })
	ctx := context.Background()
	var mu sync.Mutex
	var infos []connector.RateLimitInfo
	var exchanges []connector.Exchange
	c := e.connector(connector.Config{
		OnRateLimit: func(i connector.RateLimitInfo) { mu.Lock(); infos = append(infos, i); mu.Unlock() },
		OnExchange:  func(x connector.Exchange) { mu.Lock(); exchanges = append(exchanges, x); mu.Unlock() },
	})
	for i := 0; i < 3; i++ {
		if err := c.TestConnection(ctx); err != nil {
			t.Fatal(err)
		}
	}
	err := c.TestConnection(ctx)
	if ce := connector.AsError(err); ce == nil || ce.HTTPStatus != 429 || !ce.Temporary || ce.RetryAfter <= 0 || ce.RetryAfter > time.Minute {
		t.Fatalf("over the limit: %#v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(infos) != 4 || infos[0].Limit != 3 || infos[0].Remaining != 2 || infos[2].Remaining != 0 || infos[0].Reset.IsZero() {
		t.Fatalf("rate-limit infos %+v", infos)
	}
	if infos[3].RetryAfter <= 0 {
		t.Fatalf("429 info %+v", infos[3])
	}
	if len(exchanges) != 4 || c.Requests() != 4 || exchanges[3].Status != 429 || exchanges[0].Method != "GET" {
		t.Fatalf("exchanges %+v, requests %d", exchanges, c.Requests())
	}
}

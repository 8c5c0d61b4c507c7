package provision

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// gate sends an application's requests: it refuses them once the
// integration is deactivated, and paces them with a token bucket sized from
// the application's rate-limit headers.
type gate struct {
	e     *Engine
	appID string
	next  connector.Doer

	mu        sync.Mutex
	limit     int // per minute; 0 = unknown (no pacing)
	tokens    float64
	last      time.Time
	remaining int
	reset     time.Time
}

func (g *gate) onRateLimit(info connector.RateLimitInfo) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if info.Limit > 0 && info.Limit != g.limit {
		g.limit = info.Limit
		g.tokens = float64(info.Limit) / 10
		g.last = g.e.now()
	}
	g.remaining, g.reset = info.Remaining, info.Reset
}

// wait returns how long to wait before the next request (and takes a token).
func (g *gate) wait() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.e.now()
	if g.limit <= 0 {
		return 0
	}
	if g.remaining <= 1 && !g.reset.IsZero() && g.reset.After(now) {
		return g.reset.Sub(now)
	}
	rate := float64(g.limit) / 60 // per second
	burst := max(float64(g.limit)/10, 1)
	g.tokens = min(burst, g.tokens+now.Sub(g.last).Seconds()*rate)
	g.last = now
	if g.tokens >= 1 {
		g.tokens--
		return 0
	}
	need := (1 - g.tokens) / rate
	g.tokens--
	return time.Duration(need * float64(time.Second))
}

func (g *gate) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	var active int
	err := g.e.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		return tx.QueryRow(ctx, `SELECT COALESCE(MAX(active), 0) FROM app_idm WHERE app_id = ?`, g.appID).Scan(&active)
	})
	if err != nil {
		return nil, fmt.Errorf("provision: check active: %w", err)
	}
	if active == 0 {
		return nil, errInactive
	}
	if d := g.wait(); d > 0 {
		if err := g.e.sleep(ctx, d); err != nil {
			return nil, err
		}
	}
	return g.next.Do(req)
}

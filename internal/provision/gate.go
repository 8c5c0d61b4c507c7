package provision

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// gate sends an application's requests: it refuses them once the
// integration is deactivated, and, once the application's rate-limit
// headers have given its limit, paces them on one schedule per application
// kept in the database (app_idm.pace_tat), which the replicas sharing the
// database take their turns from. The schedule is the generic cell rate
// algorithm: requests one interval (a minute over the limit) apart, with a
// burst of a tenth of the limit. When the app says it has at most one
// request left in its window, the gate also waits for the window's reset.
type gate struct {
	e     *Engine
	appID string
	next  connector.Doer

	mu        sync.Mutex
	limit     int // per minute; 0 = unknown (no pacing)
	remaining int
	reset     time.Time
}

func (g *gate) onRateLimit(info connector.RateLimitInfo) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if info.Limit > 0 {
		g.limit = info.Limit
	}
	g.remaining, g.reset = info.Remaining, info.Reset
}

// state returns the known limit and how long the app's own headers ask to
// wait (until the window resets when at most one request is left).
func (g *gate) state(now time.Time) (int, time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.limit > 0 && g.remaining <= 1 && !g.reset.IsZero() && g.reset.After(now) {
		return g.limit, g.reset.Sub(now)
	}
	return g.limit, 0
}

// pace returns the interval between requests and the burst tolerance for
// a limit of limit requests a minute.
func pace(limit int) (interval, tau time.Duration) {
	interval = time.Minute / time.Duration(limit)
	burst := max(limit/10, 1)
	return interval, time.Duration(burst-1) * interval
}

// maxAhead is how far ahead of now the schedule may run: the burst plus a
// slot for each of 256 requests waiting at once (every worker of many
// replicas), and never less than a minute.
func maxAhead(interval, tau time.Duration) time.Duration {
	return max(time.Minute, tau+256*interval)
}

// admit checks that the integration is active and, when its limit is
// known, takes the next slot of its schedule: it returns how long to wait
// before sending.
func (g *gate) admit(ctx context.Context) (time.Duration, error) {
	now := g.e.now()
	limit, wait := g.state(now)
	if limit <= 0 {
		var active int
		err := g.e.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
			return tx.QueryRow(ctx, `SELECT COALESCE(MAX(active), 0) FROM app_idm WHERE app_id = ?`, g.appID).Scan(&active)
		})
		if err != nil {
			return 0, fmt.Errorf("provision: check active: %w", err)
		}
		if active == 0 {
			return 0, errInactive
		}
		return 0, nil
	}
	interval, tau := pace(limit)
	nowUS := sqlstore.TimeValue(now)
	// A schedule further ahead than any queue of requests can make it
	// (a clock that stepped back) starts again from now.
	aheadUS := sqlstore.TimeValue(now.Add(maxAhead(interval, tau)))
	var tat int64
	err := g.e.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		return tx.QueryRow(ctx, `UPDATE app_idm SET pace_tat = CASE WHEN pace_tat > ? AND pace_tat <= ? THEN pace_tat ELSE ? END + ?
WHERE app_id = ? AND active = 1 RETURNING pace_tat`, nowUS, aheadUS, nowUS, interval.Microseconds(), g.appID).Scan(&tat)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errInactive
	}
	if err != nil {
		return 0, fmt.Errorf("provision: take a request slot: %w", err)
	}
	// The slot is the new theoretical arrival time less one interval;
	// up to tau ahead of now is within the burst.
	slot := time.Duration(tat-nowUS)*time.Microsecond - interval - tau
	return max(wait, slot), nil
}

func (g *gate) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	d, err := g.admit(ctx)
	if err != nil {
		return nil, err
	}
	if d > 0 {
		if err := g.e.sleep(ctx, d); err != nil {
			return nil, err
		}
	}
	return g.next.Do(req)
}

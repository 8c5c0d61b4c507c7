package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/lease"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Periodic duties run once across the replicas sharing a database, under
// a lease of the same name (table leases).
const (
	dutyPruneEvents   = "insights.prune"
	dutyFullReconcile = "provision.full_reconcile"
	// pruneInterval is how often Directory Insights retention runs.
	pruneInterval = time.Hour
)

// newDuties is the runner of this process's periodic duties.
func (m *Main) newDuties(st *sqlstore.Store, a *app) *lease.Runner {
	return &lease.Runner{Leases: &lease.Store{DB: st, Now: m.Now}, Logger: a.logger}
}

// runPruning deletes Directory Insights events older than the retention at
// start and then hourly, on one replica at a time, until ctx ends.
func (a *app) runPruning(ctx context.Context) {
	a.duties.RunDuty(ctx, dutyPruneEvents, pruneInterval, func(ctx context.Context) error {
		n, err := a.insights.Prune(ctx, a.eventsRetention, 0)
		if n > 0 {
			a.logger.InfoContext(ctx, "insights: pruned old events", "deleted", n)
		}
		return err
	})
}

// runFullReconcile marks every key of every active integration hourly
// (provision.DefaultFullReconcile), on one replica at a time, so that
// drift made in the applications directly is found; the engines of all
// replicas then share the work.
func (a *app) runFullReconcile(ctx context.Context) {
	a.duties.RunDuty(ctx, dutyFullReconcile, provision.DefaultFullReconcile, a.prov.engine.MarkAll)
}

// provisionLeaseTTL reads --provision-lease-ttl (or
// JUMPGATE_PROVISION_LEASE_TTL); zero means the engine's default.
func (m *Main) provisionLeaseTTL(v string) (time.Duration, error) {
	if v == "" {
		v = m.getenv("JUMPGATE_PROVISION_LEASE_TTL")
	}
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second || d > time.Hour {
		return 0, fmt.Errorf("--provision-lease-ttl %q: want a duration from 1s to 1h, such as 2m", v)
	}
	return d, nil
}

package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/lease"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Periodic duties run once across the replicas sharing a database, under
// a lease of the same name (table leases).
const (
	dutyPruneEvents   = "insights.prune"
	dutyFullReconcile = "provision.full_reconcile"
	dutyCertExpiry    = "saml.certificate_expiry"
	// certCheckInterval is how often signing certificates are checked.
	certCheckInterval = 24 * time.Hour
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

// runFullReconcile runs the engine's full reconcile hourly
// (provision.DefaultFullReconcile), on one replica at a time, so that
// drift made in the applications directly is found: the users that differ
// and every bound group are marked, and the engines of all replicas then
// share the work.
func (a *app) runFullReconcile(ctx context.Context) {
	a.duties.RunDuty(ctx, dutyFullReconcile, provision.DefaultFullReconcile, a.prov.engine.MarkAll)
}

// runCertificateCheck warns, daily and on one replica at a time, about
// every application signing certificate in use that expires within 60 days
// or has expired: a warning in the log and an
// application_certificate_expiring event in Directory Insights.
func (a *app) runCertificateCheck(ctx context.Context) {
	a.duties.RunDuty(ctx, dutyCertExpiry, certCheckInterval, a.checkCertificates)
}

// checkCertificates is one run of runCertificateCheck.
func (a *app) checkCertificates(ctx context.Context) error {
	keys, err := a.service.ExpiringKeys(ctx)
	if err != nil {
		return err
	}
	for _, k := range keys {
		a.logger.WarnContext(ctx, "signing certificate expires soon: prepare and activate the next one on the application's SSO tab",
			"app", k.App.Label, "app_id", k.App.ID, "key_id", k.Key.ID, "status", k.Key.Status, "expiry", k.Key.Expiry, "days_left", k.Key.DaysLeft)
		if a.insights == nil {
			continue
		}
		e := insights.Event{EventType: insights.ApplicationCertificateExpiring, Service: insights.ServiceSSO, Success: true,
			InitiatedBy: insights.Initiator{Type: "system", ID: "system"},
			Application: &insights.Application{ID: k.App.ID, Name: k.App.TemplateID, DisplayLabel: k.App.Label},
			Resource:    &insights.Resource{ID: k.Key.ID, Type: "certificate", Name: k.Key.FingerprintSHA256},
			Details: map[string]string{"status": string(k.Key.Status), "expiry": k.Key.Expiry, "days_left": strconv.Itoa(k.Key.DaysLeft),
				"not_after": k.Key.NotAfter.UTC().Format(time.RFC3339)}}
		if err := a.insights.Record(ctx, e); err != nil {
			return err
		}
	}
	return nil
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

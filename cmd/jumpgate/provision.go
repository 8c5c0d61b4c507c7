package main

import (
	"context"
	"sync"

	"github.com/jumpgate-idp/jumpgate/internal/connector/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/insights/provisionsink"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

// provisioning is the identity-management part of a running server.
type provisioning struct {
	manager *provision.Manager
	engine  *provision.Engine
}

// wireProvisioning builds the settings manager and the engine, and adds
// the effect that marks provisioning keys dirty in every directory change.
// Without the SQL store there is no provisioning.
func (m *Main) wireProvisioning(a *app) {
	sst, ok := a.store.(*sqlstore.Store)
	if !ok {
		return
	}
	// Provisioning attempts are Directory Insights events; without the event
	// store they go to the log.
	var sink provision.EventSink = provision.SlogSink{Log: a.logger}
	if a.insights != nil {
		sink = provisionsink.Sink{Store: a.insights}
	}
	mgr := &provision.Manager{Store: sst, Sealer: a.sealer, Registry: catalog.DefaultRegistry(), Events: sink, Now: m.Now}
	// The full reconcile is a duty run once across replicas (runFullReconcile).
	eng := &provision.Engine{Store: sst, Manager: mgr, Events: sink, Now: m.Now, FullReconcile: -1}
	mk := &provision.Marker{Now: m.Now}
	a.service.Effects = append(a.service.Effects, mk.Effect)
	a.prov = &provisioning{manager: mgr, engine: eng}
}

// startProvisioning mounts the engine on the API and runs it until the
// returned stop is called.
func (a *app) startProvisioning(ctx context.Context, h *api.Handler) (stop func()) {
	if a.prov == nil {
		return func() {}
	}
	h.IdM, h.IdMEngine = a.prov.manager, a.prov.engine
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := a.prov.engine.Run(ctx); err != nil {
			a.logger.Error("provisioning engine stopped", "err", err)
		}
	})
	wg.Go(func() { a.runFullReconcile(ctx) })
	return func() { cancel(); wg.Wait() }
}

package main

import (
	"errors"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/web"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
	"github.com/jumpgate-idp/jumpgate/internal/web/portal"
)

// mountPortal mounts the admin portal at /admin, with the same services the
// API uses (h is the mounted API handler, fully wired).
func mountPortal(srv *web.Server, a *app, h *api.Handler, baseURL string, m *Main) error {
	st, ok := a.store.(*sqlstore.Store)
	if !ok {
		return errors.New("the admin portal needs the SQL store")
	}
	admins := &adminauth.Service{Store: st, Hasher: a.service.Hasher, Sealer: a.sealer, Now: m.Now, Rand: m.Rand,
		Logger: a.logger, Issuer: "Jumpgate admin"}
	if a.insights != nil {
		admins.Auditor = insights.AuthRecorder{Store: a.insights, Logger: a.logger}
	}
	srv.Mount(&portal.Handler{
		Admins: admins, Cookies: adminauth.Cookies{Secure: strings.HasPrefix(baseURL, "https://")},
		Store: a.store, Service: a.service, Users: a.users, Insights: a.insights,
		IdM: h.IdM, IdMEngine: h.IdMEngine, Importer: h.Importer, Outbox: h.Outbox,
		BaseURL: baseURL, Logger: a.logger,
	})
	return nil
}

package main

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/config"
	"github.com/jumpgate-idp/jumpgate/internal/connector/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/importer"
	"github.com/jumpgate-idp/jumpgate/internal/lease"
	"github.com/jumpgate-idp/jumpgate/internal/mail"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

// importPoll is how often the import worker looks for unfinished jobs.
const importPoll = 2 * time.Second

// startImports mounts the importer and the outbox on the API and runs the
// import worker (which resumes jobs a previous process left) until the
// returned stop is called. Without the SQL store there are no imports.
func (a *app) startImports(ctx context.Context, cfg config.Config, h *api.Handler, baseURL string) (stop func()) {
	sst, ok := a.store.(*sqlstore.Store)
	if !ok {
		return func() {}
	}
	outbox := &mail.Outbox{Store: sst, Now: a.service.Now}
	var mailer importer.Mailer = outbox
	if cfg.SMTPHost != "" {
		port, _ := strconv.Atoi(cfg.SMTPPort)
		mailer = &mail.SMTP{Host: cfg.SMTPHost, Port: port, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword,
			From: cfg.SMTPFrom, TLS: cfg.SMTPTLS, Timeout: 30 * time.Second}
	}
	im := &importer.Importer{Store: sst, Lifecycle: a.service, Auth: a.users, Insights: a.insights, Sealer: a.sealer,
		Registry: catalog.DefaultRegistry(), BaseURL: baseURL, Mailer: mailer, Now: a.service.Now, Holder: lease.ProcessHolder()}
	h.Importer, h.Outbox = im, outbox
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = im.Run(ctx, importPoll) })
	return func() { cancel(); wg.Wait() }
}

package api_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/connector/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/connector/quip"
	"github.com/jumpgate-idp/jumpgate/internal/importer"
	"github.com/jumpgate-idp/jumpgate/internal/mail"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim/quipsimtest"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

func TestImportRoutes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	acme := quipsimtest.Start(t, nil)
	sim, tok := acme.Sim, acme.Token
	qs := httptest.NewServer(sim)
	t.Cleanup(qs.Close)
	qc, err := quip.New(connector.Config{Kind: quip.Kind, BaseURL: qs.URL + "/business/admin/scim", Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 120 {
		if _, err := qc.CreateUser(ctx, connector.User{UserName: fmt.Sprintf("p%d", i), Email: fmt.Sprintf("p%03d@acme.test", i),
			GivenName: "P", FamilyName: fmt.Sprint(i), Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	sealer, err := secrets.New(bytes.Repeat([]byte{9}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	st := e.store.(*sqlstore.Store)
	e.handler.Service.Sealer, e.handler.Service.BaseURL = sealer, "https://idp.test"
	mgr := &provision.Manager{Store: st, Sealer: sealer, Registry: catalog.DefaultRegistry(), HTTPClient: qs.Client()}
	e.handler.IdM = mgr
	outbox := &mail.Outbox{Store: st}
	im := &importer.Importer{Store: st, Lifecycle: e.handler.Service, Sealer: sealer, Registry: catalog.DefaultRegistry(),
		HTTPClient: qs.Client(), Auth: &userauth.Service{Store: st, Sealer: sealer, Logger: slog.New(slog.DiscardHandler)},
		BaseURL: "https://idp.test", Mailer: outbox}

	var app struct{ ID string }
	e.must("POST", "/api/v1/apps", `{"templateId":"quip","label":"Quip"}`, 201).decode(t, &app)
	base := "/api/v1/apps/" + app.ID
	if r := e.do("GET", base+"/import/users", e.adminKey, ""); r.status != 503 {
		t.Fatalf("without importer: %d", r.status)
	}
	e.handler.Importer, e.handler.Outbox = im, outbox

	// Inactive: 409, nothing imported.
	if r := e.do("POST", base+"/import", e.adminKey, `{"all":true}`); r.status != 409 {
		t.Fatalf("inactive: %d %s", r.status, r.body)
	}
	e.must("PUT", base+"/idm", `{"baseUrl":"`+qs.URL+`/business/admin/scim","token":"`+tok+`"}`, 200)
	e.must("POST", base+"/idm/activate", "", 200)

	var list struct {
		Users []importer.Candidate
		Total int
		New   int
	}
	e.must("GET", base+"/import/users?new_first=true", "", 200).decode(t, &list)
	if list.Total != 120 || list.New != 120 {
		t.Fatalf("list: %d %d", list.Total, list.New)
	}
	if r := e.do("GET", base+"/import/users?only_new=maybe", e.adminKey, ""); r.status != 400 {
		t.Fatalf("bad flag: %d", r.status)
	}
	if r := e.do("POST", base+"/import", e.roKey, `{"all":true}`); r.status != 403 {
		t.Fatalf("read-only: %d", r.status)
	}
	r := e.do("POST", base+"/import", e.adminKey, `{"ids":["nope-7"]}`)
	if r.status != 400 || !strings.Contains(string(r.body), "nope-7") {
		t.Fatalf("unknown ids: %d %s", r.status, r.body)
	}
	if r := e.do("POST", base+"/import", e.adminKey, `{"ids":["`+strings.Repeat("x", 1<<20)+`"]}`); r.status != 413 {
		t.Fatalf("big body: %d", r.status)
	}
	if e.counts()[0] != 0 {
		t.Fatal("refused requests imported users")
	}

	// Two users at once.
	var res importer.Result
	e.must("POST", base+"/import", `{"ids":["`+list.Users[0].ID+`","`+list.Users[1].ID+`"]}`, 200).decode(t, &res)
	if res.Created != 2 || len(res.Users) != 2 || res.Users[0].ActivationURL == "" || res.Users[0].Managed == nil || *res.Users[0].Managed ||
		res.Users[0].Warning != importer.UnmanagedWarning {
		t.Fatalf("sync: %+v", res)
	}
	e.must("GET", base+"/import/users?only_new=true", "", 200).decode(t, &list)
	if list.Total != 118 {
		t.Fatalf("only new: %d", list.Total)
	}

	// The rest as a job.
	r = e.must("POST", base+"/import", `{"all":true}`, 202)
	r.decode(t, &res)
	if res.Job == nil || r.header.Get("Location") != "/api/v1/imports/"+res.Job.ID {
		t.Fatalf("job: %s", r.body)
	}
	if err := im.RunPending(ctx); err != nil {
		t.Fatal(err)
	}
	var job importer.Job
	e.must("GET", "/api/v1/imports/"+res.Job.ID, "", 200).decode(t, &job)
	if job.State != importer.JobComplete || job.Done != 120 || job.Created != 118 || job.Skipped != 2 || len(job.Links) != 118 {
		t.Fatalf("job: %+v", job)
	}
	if r := e.do("GET", "/api/v1/imports/"+res.Job.ID, e.roKey, ""); r.status != 403 {
		t.Fatalf("read-only job: %d", r.status)
	}
	e.must("GET", "/api/v1/imports/nope", "", 404)
	var ob struct{ Messages []mail.Message }
	e.must("GET", "/api/v1/outbox", "", 200).decode(t, &ob)
	if len(ob.Messages) != 1 || ob.Messages[0].To != "admin@example.com" || !strings.Contains(ob.Messages[0].Body, "Created: 118") {
		t.Fatalf("outbox: %+v", ob)
	}

	// Unreachable app: 502 with the app's detail.
	if err := sim.SetFaults(quipsim.Faults{ErrorRate: 1}); err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", base+"/import/users", e.adminKey, ""); r.status != 502 {
		t.Fatalf("unreachable: %d %s", r.status, r.body)
	}
}

package api_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/connector/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/quipsim/quipsimtest"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

func TestIdMRoutes(t *testing.T) {
	e := newEnv(t)
	acme := quipsimtest.Start(t, nil)
	sim, tok := acme.Sim, acme.Token
	qs := httptest.NewServer(sim)
	t.Cleanup(qs.Close)
	sealer, err := secrets.New(bytes.Repeat([]byte{9}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	st := e.store.(*sqlstore.Store)
	mk := &provision.Marker{}
	e.handler.Service.Sealer, e.handler.Service.BaseURL = sealer, "https://idp.test"
	e.handler.Service.Effects = []lifecycle.Effect{mk.Effect}
	mgr := &provision.Manager{Store: st, Sealer: sealer, Registry: catalog.DefaultRegistry(), HTTPClient: qs.Client()}
	eng := &provision.Engine{Store: st, Manager: mgr}

	var app struct{ ID string }
	e.must("POST", "/api/v1/apps", `{"templateId":"quip","label":"Quip"}`, 201).decode(t, &app)
	base := "/api/v1/apps/" + app.ID + "/idm"

	// Not configured yet: 503.
	if r := e.do("GET", base, e.adminKey, ""); r.status != 503 {
		t.Fatalf("without manager: %d", r.status)
	}
	e.handler.IdM, e.handler.IdMEngine = mgr, eng

	var s provision.Settings
	e.must("GET", base, "", 200).decode(t, &s)
	if s.Kind != "quip" || s.Active || !s.GroupsEnabled {
		t.Fatalf("defaults %+v", s)
	}
	for _, bad := range []string{`{"baseUrl":"ftp://x"}`, `{"token":""}`, `{"nope":1}`, `[`, `{"token":"a b"}`} {
		if r := e.do("PUT", base, e.adminKey, bad); r.status != 400 && r.status != 422 {
			t.Errorf("PUT %s = %d %s", bad, r.status, r.body)
		}
	}
	if r := e.do("PUT", base, e.roKey, `{"token":"abcdef"}`); r.status != 403 {
		t.Fatalf("read-only key: %d", r.status)
	}
	e.must("PUT", "/api/v1/apps/nope/idm", `{"token":"abcdef"}`, 404)

	// A wrong token: activation refused with Quip's own error.
	e.must("PUT", base, `{"baseUrl":"`+qs.URL+`/business/admin/scim","token":"wrong-token-0000"}`, 200)
	r := e.must("POST", base+"/activate", "", 409)
	if !strings.Contains(string(r.body), "401") {
		t.Fatalf("activation error without the app's detail: %s", r.body)
	}
	r = e.must("PUT", base, `{"token":"`+tok+`"}`, 200)
	if strings.Contains(string(r.body), tok) {
		t.Fatal("token returned")
	}
	e.must("POST", base+"/activate", "", 200)
	e.must("POST", base+"/reauth", `{"token":"other-token"}`, 409)

	var u, g struct{ ID string }
	e.must("POST", "/api/v1/users", `{"username":"ann","email":"ann@acme.test","firstname":"Ann","lastname":"Lee","state":"activated"}`, 201).decode(t, &u)
	e.must("POST", "/api/v1/groups", `{"name":"eng"}`, 201).decode(t, &g)
	e.must("POST", "/api/v1/groups/"+g.ID+"/members", `{"userIds":["`+u.ID+`"]}`, 200)
	e.must("PUT", "/api/v1/apps/"+app.ID+"/groups", `{"groupIds":["`+g.ID+`"]}`, 200)

	var plan provision.Plan
	e.must("GET", base+"/plan", "", 200).decode(t, &plan)
	if len(plan.Items) != 2 {
		t.Fatalf("plan %+v", plan)
	}
	var st1 provision.Status
	e.must("GET", base+"/status", "", 200).decode(t, &st1)
	if st1.QueueDepth == 0 || st1.State != "healthy" {
		t.Fatalf("status %+v", st1)
	}
	var out provision.Outcome
	e.must("POST", base+"/sync", `{"userId":"`+u.ID+`"}`, 200).decode(t, &out)
	if !out.Success {
		t.Fatalf("sync %+v", out)
	}
	e.must("POST", base+"/sync", `{"groupId":"`+g.ID+`"}`, 200).decode(t, &out)
	if !out.Success {
		t.Fatalf("sync %+v", out)
	}
	e.must("POST", base+"/sync", `{}`, 400)
	e.must("POST", base+"/sync", `{"userId":"a","groupId":"b"}`, 400)
	e.must("POST", base+"/sync", `{"userId":"nope"}`, 404)
	e.must("POST", base+"/users/"+u.ID+"/end-sessions", "", 200).decode(t, &out)
	if !out.Success || out.SubjectID != u.ID {
		t.Fatalf("end-sessions %+v", out)
	}
	e.must("POST", base+"/users/nope/end-sessions", "", 404)
	var loner struct{ ID string }
	e.must("POST", "/api/v1/users", `{"username":"lon","email":"lon@acme.test","firstname":"Lo","lastname":"N","state":"activated"}`, 201).decode(t, &loner)
	e.must("POST", base+"/users/"+loner.ID+"/end-sessions", "", 409)
	if r := e.do("POST", base+"/users/"+u.ID+"/end-sessions", e.roKey, ""); r.status != 403 {
		t.Fatalf("read-only key: %d", r.status)
	}
	e.must("GET", base+"/plan", "", 200).decode(t, &plan)
	if len(plan.Items) != 0 {
		t.Fatalf("plan after sync %+v", plan)
	}
	e.must("POST", base+"/deactivate", "", 200)
	e.must("POST", base+"/reauth", `{"token":"`+tok+`"}`, 200)
	var after map[string]any
	e.must("GET", base, "", 200).decode(t, &after)
	if b, _ := json.Marshal(after); strings.Contains(string(b), tok) || after["active"] != false {
		t.Fatalf("settings %s", b)
	}
	e.must("GET", base+"/plan", "", 409)
	e.must("POST", base+"/users/"+u.ID+"/end-sessions", "", 409)
}

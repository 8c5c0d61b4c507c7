package provision_test

import (
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
)

func TestActivateRefusedWithWrongToken(t *testing.T) {
	e := newEnv(t)
	base, bad := e.srv.URL+"/business/admin/scim", "wrong-token-1234"
	if _, err := e.mgr.Configure(e.ctx, "admin:a1", e.appID, provision.SettingsUpdate{BaseURL: &base, Token: &bad}); err != nil {
		t.Fatal(err)
	}
	_, err := e.mgr.Activate(e.ctx, "admin:a1", e.appID)
	if directory.ErrorCode(err) != directory.ECONFLICT || !strings.Contains(directory.ErrorMessage(err), "401") {
		t.Fatalf("activate with a wrong token: %v", err)
	}
	s, err := e.mgr.Get(e.ctx, e.appID)
	if err != nil || s.Active || s.TokenLast4 != "1234" || !s.HasToken || !s.GroupsEnabled || s.Kind != "quip" {
		t.Fatalf("settings %+v %v", s, err)
	}
	if e.events.count(provision.EvIntegrationActivate) != 1 {
		t.Fatalf("events %v", e.events.names())
	}
}

func TestTokenSealedAtRest(t *testing.T) {
	e := newEnv(t)
	e.activate()
	var sealed string
	if err := e.store.ViewTx(e.ctx, func(tx *sqlstoreTx) error {
		return tx.QueryRow(e.ctx, `SELECT token_sealed FROM app_idm WHERE app_id = ?`, e.appID).Scan(&sealed)
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, e.token) || sealed == "" {
		t.Fatal("token stored in clear")
	}
}

func TestReauthRule(t *testing.T) {
	e := newEnv(t)
	e.activate()
	if _, err := e.mgr.Reauth(e.ctx, "admin:a1", e.appID, "new-token-9999"); directory.ErrorCode(err) != directory.ECONFLICT {
		t.Fatalf("reauth while active: %v", err)
	}
	if _, err := e.mgr.Configure(e.ctx, "admin:a1", e.appID, provision.SettingsUpdate{Token: ptr("x-token")}); directory.ErrorCode(err) != directory.ECONFLICT {
		t.Fatalf("token change while active: %v", err)
	}
	if _, err := e.mgr.Deactivate(e.ctx, "admin:a1", e.appID); err != nil {
		t.Fatal(err)
	}
	tok, err := e.sim.RegenerateToken(e.ctx, mustCompany(e))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.mgr.Reauth(e.ctx, "admin:a1", e.appID, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := e.mgr.Activate(e.ctx, "admin:a1", e.appID); err != nil {
		t.Fatal(err)
	}
	u := e.user("ann", directory.UserActivated)
	e.bind(e.group("g", u))
	e.drain()
	if !e.remoteUsersWith(tok)["ann@acme.test"].Active {
		t.Fatal("not synced with the new token")
	}
}

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	for _, upd := range []provision.SettingsUpdate{
		{BaseURL: ptr("ftp://x")}, {BaseURL: ptr("https://u:p@x/")}, {BaseURL: ptr("")},
		{Token: ptr("")}, {Token: ptr("a b")}, {Token: ptr(strings.Repeat("x", 5000))},
	} {
		if _, err := e.mgr.Configure(e.ctx, "admin:a1", e.appID, upd); directory.ErrorCode(err) != directory.EINVALID {
			t.Errorf("%+v: %v", upd, err)
		}
	}
	if _, err := e.mgr.Get(e.ctx, "nope"); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Errorf("unknown app: %v", err)
	}
	if _, err := e.mgr.Activate(e.ctx, "admin:a1", e.appID); directory.ErrorCode(err) != directory.EINVALID {
		t.Errorf("activate unconfigured: %v", err)
	}
}

func TestDeactivateStopsSyncing(t *testing.T) {
	e := newEnv(t)
	e.activate()
	a := e.user("ann", directory.UserActivated)
	g := e.group("g", a)
	e.bind(g)
	e.drain()
	if _, err := e.mgr.Deactivate(e.ctx, "admin:a1", e.appID); err != nil {
		t.Fatal(err)
	}
	b := e.user("ben", directory.UserActivated)
	e.add(g, b)
	e.drain()
	us := e.remoteUsers()
	if _, ok := us["ben@acme.test"]; ok || !us["ann@acme.test"].Active {
		t.Fatalf("synced while deactivated: %+v", us)
	}
	if e.events.count(provision.EvIntegrationDelete) != 1 {
		t.Fatalf("events %v", e.events.names())
	}
	st, err := provisionStatus(e)
	if err != nil || st.State != "inactive" {
		t.Fatalf("status %+v %v", st, err)
	}
	if _, err := e.mgr.Activate(e.ctx, "admin:a1", e.appID); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if !e.remoteUsers()["ben@acme.test"].Active {
		t.Fatal("not synced after reactivation")
	}
}

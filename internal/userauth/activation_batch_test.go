package userauth_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
)

func (e *env) tokenRows(t *testing.T) int {
	t.Helper()
	var n int
	ctx := context.Background()
	if err := e.store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM user_activation_tokens`).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestActivationLinksBatch(t *testing.T) { backends(t, testActivationLinksBatch) }

func testActivationLinksBatch(t *testing.T, dsn string) {
	ctx := context.Background()
	e := newEnv(t, dsn)
	if links, err := e.svc.CreateActivationLinks(ctx, nil); err != nil || links != nil || e.tokenRows(t) != 0 {
		t.Fatalf("empty = %v %v", links, err)
	}
	// More users than one statement carries.
	var ids []string
	for i := range 230 {
		ids = append(ids, e.user(t, fmt.Sprintf("u%03d", i), directory.UserActivated, "").ID)
	}
	ids = append(ids, ids[0]) // twice: two links
	links, err := e.svc.CreateActivationLinks(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != len(ids) || e.tokenRows(t) != len(ids) || links[0].Token == links[len(links)-1].Token {
		t.Fatalf("%d links, %d rows", len(links), e.tokenRows(t))
	}
	want := e.clock.Now().Add(userauth.DefaultActivationTTL)
	for i, l := range links {
		if l.UserID != ids[i] || !l.ExpiresAt.Equal(want) || !userauth.WellFormedToken(l.Token) {
			t.Fatalf("link %d = %+v", i, l)
		}
	}
	for _, i := range []int{0, 117, 229, 230} {
		if got, err := e.svc.CheckActivation(ctx, links[i].Token); err != nil || got.ID != ids[i] {
			t.Fatalf("check link %d: %+v %v", i, got, err)
		}
	}
	if _, err := e.svc.Activate(ctx, links[5].Token, goodPW); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Activate(ctx, links[5].Token, goodPW); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Fatalf("second use: %v", err)
	}
	if !strings.Contains(e.log.String(), "user="+ids[229]) || strings.Contains(e.log.String(), links[229].Token) {
		t.Fatal("log must name each user and never a token")
	}
	e.clock.Add(userauth.DefaultActivationTTL + time.Second)
	if _, err := e.svc.CheckActivation(ctx, links[6].Token); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Fatalf("expired link: %v", err)
	}
	// One unknown user refuses the whole call.
	before := e.tokenRows(t)
	_, err = e.svc.CreateActivationLinks(ctx, []string{ids[1], "no-such-user", ids[2]})
	if directory.ErrorCode(err) != directory.ENOTFOUND || !strings.Contains(err.Error(), "no-such-user") {
		t.Fatalf("unknown user: %v", err)
	}
	if e.tokenRows(t) != before {
		t.Fatal("refused call wrote links")
	}
}

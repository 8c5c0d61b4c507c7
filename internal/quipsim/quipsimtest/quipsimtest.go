package quipsimtest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
)

// Acme is quipsim with the Enterprise company "acme" (e-mail domain
// acme.test) and a SCIM token of that company.
type Acme struct {
	Sim     *quipsim.Server
	Company quipsim.Company
	Token   string
}

// Start opens quipsim on a temporary SQLite file, rate limit off unless mod
// sets one, and closes it when the test ends. mod, when set, adjusts the
// configuration first. Callers serve Sim themselves (httptest), so that they
// can wrap its handler.
func Start(t testing.TB, mod func(*quipsim.Config)) *Acme {
	t.Helper()
	ctx := context.Background()
	cfg := quipsim.Config{DB: filepath.Join(t.TempDir(), "quip.db"), RateLimit: -1}
	if mod != nil {
		mod(&cfg)
	}
	sim, err := quipsim.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	co, err := sim.CreateCompany(ctx, "acme", true, []string{"acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := sim.IssueToken(ctx, co.ID)
	if err != nil {
		t.Fatal(err)
	}
	return &Acme{Sim: sim, Company: co, Token: tok}
}

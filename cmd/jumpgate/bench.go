package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/loadgen"
)

// benchCmd is `jumpgate bench`: load against a running server.
type benchCmd struct {
	URL          string        `name:"url" placeholder:"URL" help:"Jumpgate server URL (env JUMPGATE_URL)."`
	APIKeys      []string      `name:"api-key" placeholder:"KEY" help:"Admin API key jg_...; repeat or separate with commas to spread the API's per-key rate limit (env JUMPGATE_API_KEY, commas allowed)."`
	Duration     time.Duration `name:"duration" default:"60s" help:"How long to run the load (after the fixtures are made)."`
	Rate         float64       `name:"rate" default:"20" help:"Operations a second, started on a steady schedule (open loop); 0 runs closed loop."`
	Concurrency  int           `name:"concurrency" default:"16" help:"Workers: operations in flight at most."`
	Mix          string        `name:"mix" default:"sso=70,change=30" help:"Weights of sso (SP-initiated sign-in), change (update or member, half each), update (user PATCH), member (churn group add/remove)."`
	Users        int           `name:"users" default:"50" help:"Fixture users to make (each with a password set through an activation link)."`
	ReportEvery  time.Duration `name:"report-every" default:"10s" help:"Print a progress line (ops/s, p99, errors, server heap and goroutines) at this interval."`
	Timeout      time.Duration `name:"timeout" default:"30s" help:"Timeout of each HTTP request."`
	IdleWait     time.Duration `name:"idle-wait" default:"2s" help:"Wait this long after the load, with no connections, before the last (idle) sample of the server's memory; over 2m includes the runtime's periodic GC."`
	KeepFixtures bool          `name:"keep-fixtures" help:"Leave the fixture users, groups and app in place."`
	JSON         bool          `name:"json" help:"Print the final report as JSON instead of tables."`
}

func (c *benchCmd) Run(ctx context.Context, m *Main) error {
	mix, err := loadgen.ParseMix(c.Mix)
	if err != nil {
		return fmt.Errorf("--%w", err)
	}
	url := c.URL
	if url == "" {
		url = m.getenv("JUMPGATE_URL")
	}
	keys := splitKeys(c.APIKeys)
	if len(keys) == 0 {
		keys = splitKeys([]string{m.getenv("JUMPGATE_API_KEY")})
	}
	cfg := loadgen.Config{BaseURL: url, APIKeys: keys, Duration: c.Duration, Rate: c.Rate, Concurrency: c.Concurrency, Mix: mix,
		Users: c.Users, ReportEvery: c.ReportEvery, Timeout: c.Timeout, IdleWait: c.IdleWait, KeepFixtures: c.KeepFixtures, Out: m.Stderr, Now: m.Now}
	if !c.JSON {
		cfg.Out = m.Stdout
	}
	rep, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if c.JSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
	} else {
		rep.Print(m.Stdout)
	}
	switch {
	case ctx.Err() != nil:
		return nil // interrupted: the report covers what ran
	case rep.Failed() > 0:
		return fmt.Errorf("bench: %d of %d operations failed or were dropped", rep.Failed(), rep.Failed()+rep.All.OK)
	case rep.All.OK == 0:
		return fmt.Errorf("bench: no operation succeeded")
	}
	return nil
}

// splitKeys splits comma-separated keys and drops empty ones.
func splitKeys(in []string) []string {
	var out []string
	for _, s := range in {
		for _, k := range strings.Split(s, ",") {
			if k = strings.TrimSpace(k); k != "" {
				out = append(out, k)
			}
		}
	}
	return out
}

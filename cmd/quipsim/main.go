// Command quipsim runs the Quip-compatible service (see docs/quipsim.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "quipsim:", err)
		os.Exit(1)
	}
}

// run parses args, starts the service and serves until ctx ends. ready,
// when set, receives the listening address.
func run(ctx context.Context, args []string, logw io.Writer, ready func(addr string)) error {
	fs := flag.NewFlagSet("quipsim", flag.ContinueOnError)
	fs.SetOutput(logw)
	addr := fs.String("addr", "127.0.0.1:9081", "listen address")
	dbPath := fs.String("db", "quipsim.db", `SQLite file, or ":memory:"`)
	company := fs.String("company", "", "create (or reuse) this Enterprise company at start")
	domains := fs.String("domain", "", "comma-separated e-mail domains of -company (default {company}.test)")
	tokenOut := fs.String("token-out", "", "write a fresh SCIM token of -company to this file")
	adminEmail := fs.String("admin-email", "", "add this company admin to -company (token page login)")
	adminPassword := fs.String("admin-password", "", "password of -admin-email")
	rate := fs.Int("rate-limit", quipsim.DefaultRateLimit, "SCIM requests per minute per company; 0 turns limiting off")
	baseURL := fs.String("base-url", "", "external base URL for links (default: from the request)")
	faultToken := fs.String("fault-token", "", "bearer token guarding POST /_faults (empty disables it)")
	latency := fs.Duration("latency", 0, "fault: latency added to every SCIM answer")
	errRate := fs.Float64("error-rate", 0, "fault: share of SCIM requests answered 500/503")
	throttleRate := fs.Float64("throttle-rate", 0, "fault: share of SCIM requests answered 429")
	dropRate := fs.Float64("drop-rate", 0, "fault: share of SCIM connections closed without answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	limit := *rate
	if limit == 0 {
		limit = -1
	}
	log := slog.New(slog.NewTextHandler(logw, nil))
	srv, err := quipsim.New(ctx, quipsim.Config{
		DB: *dbPath, RateLimit: limit, BaseURL: *baseURL, FaultToken: *faultToken, Logger: log,
		Faults: quipsim.Faults{Latency: *latency, ErrorRate: *errRate, ThrottleRate: *throttleRate, DropRate: *dropRate},
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	if *company != "" {
		if err := setup(ctx, srv, *company, *domains, *tokenOut, *adminEmail, *adminPassword); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	log.Info("quipsim listening", "addr", ln.Addr().String(), "scim", "http://"+ln.Addr().String()+"/2")
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func setup(ctx context.Context, srv *quipsim.Server, name, domains, tokenOut, adminEmail, adminPassword string) error {
	c, err := srv.Company(ctx, name)
	if errors.Is(err, quipsim.ErrNotFound) {
		ds := []string{name + ".test"}
		if domains != "" {
			ds = strings.Split(domains, ",")
		}
		c, err = srv.CreateCompany(ctx, name, true, ds)
	}
	if err != nil {
		return err
	}
	if adminEmail != "" {
		if err := srv.AddAdmin(ctx, c.ID, adminEmail, adminPassword); err != nil {
			return err
		}
	}
	if tokenOut != "" {
		tok, err := srv.IssueToken(ctx, c.ID)
		if err != nil {
			return err
		}
		if err := os.WriteFile(tokenOut, []byte(tok+"\n"), 0o600); err != nil {
			return fmt.Errorf("write token: %w", err)
		}
	}
	return nil
}

// Command jumpgate is the Jumpgate identity provider: the server (serve,
// demo) and the admin command line.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kong"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process at once
	}()
	m := &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "jumpgate:", err)
		os.Exit(1)
	}
}

// Main is the program, as a type so that tests can run it in-process:
// `serve` on 127.0.0.1:0 with a temp database, and the admin commands
// against it.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads JUMPGATE_* variables; nil means none are set.
	Getenv func(string) string
	// Ready, when set, is called with the server's public URL once serve or
	// demo is listening.
	Ready func(url string)
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Rand is the randomness for keys and passwords; crypto/rand when nil.
	Rand io.Reader
}

func (m *Main) getenv(k string) string {
	if m.Getenv == nil {
		return ""
	}
	return m.Getenv(k)
}

func (m *Main) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// cli is the command line grammar.
type cli struct {
	Serve   serveCmd   `cmd:"" help:"Run the production server (requires a master key; no demo data)."`
	Demo    demoCmd    `cmd:"" help:"Run the whole system on one machine: Jumpgate on SQLite, quipsim, demo users, groups and the Quip application connected by SAML and SCIM."`
	Version versionCmd `cmd:"" help:"Print the version."`
	Users   usersCmd   `cmd:"" help:"Manage users through the API (--url, --api-key)."`
	Groups  groupsCmd  `cmd:"" help:"Manage groups and members through the API (--url, --api-key)."`
	Apps    appsCmd    `cmd:"" help:"Manage applications, their metadata and group bindings through the API (--url, --api-key)."`
	Catalog catalogCmd `cmd:"" help:"Browse the application catalog through the API (--url, --api-key)."`
	Events  eventsCmd  `cmd:"" help:"Query Directory Insights events through the API; --follow tails them (--url, --api-key)."`
	Imports importsCmd `cmd:"" help:"Follow user imports through the API (--url, --api-key)."`
	Admins  adminsCmd  `cmd:"" help:"Manage administrator accounts directly in the database."`
	Backup  backupCmd  `cmd:"" help:"Copy the SQLite database to a new file while the server may be running (PostgreSQL: use pg_dump)."`
	Bench   benchCmd   `cmd:"" help:"Load a running server with SSO sign-ins and directory changes; report throughput, latency, errors and the server's memory (--url, --api-key)."`
}

type exitCode int

// Run parses args and runs the chosen command until it ends or ctx is done.
func (m *Main) Run(ctx context.Context, args []string) (err error) {
	var c cli
	parser, err := kong.New(&c,
		kong.Name("jumpgate"),
		kong.Description("Jumpgate: an identity provider for SAML single sign-on and SCIM provisioning."),
		kong.Writers(m.Stdout, m.Stderr),
		kong.Exit(func(code int) { panic(exitCode(code)) }),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
	)
	if err != nil {
		return fmt.Errorf("jumpgate: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			code, ok := p.(exitCode)
			if !ok {
				panic(p)
			}
			if code != 0 {
				err = fmt.Errorf("exit status %d", code)
			}
		}
	}()
	kctx, err := parser.Parse(args)
	if err != nil {
		var pe *kong.ParseError
		if errors.As(err, &pe) {
			return fmt.Errorf("%w (see jumpgate --help)", err)
		}
		return err
	}
	kctx.BindTo(ctx, (*context.Context)(nil))
	return kctx.Run(m)
}

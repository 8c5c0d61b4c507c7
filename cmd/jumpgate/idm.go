package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/jumpgate-idp/jumpgate/internal/apiclient"
	"github.com/jumpgate-idp/jumpgate/internal/provision"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

type appsIdmCmd struct {
	Get         idmGetCmd         `cmd:"" help:"Show an application's identity-management settings (the token's last four characters only)."`
	Configure   idmConfigureCmd   `cmd:"" help:"Set the base URL, the token (--token-stdin) or the groups switch."`
	Activate    idmActivateCmd    `cmd:"" help:"Test the connection and start syncing."`
	Deactivate  idmDeactivateCmd  `cmd:"" help:"Stop syncing; users and groups stay as they are in the application."`
	Reauth      idmReauthCmd      `cmd:"" help:"Replace the token, read from stdin (Quip: only while deactivated)."`
	Status      idmStatusCmd      `cmd:"" help:"Show sync health, queue depth and the last error."`
	Sync        idmSyncCmd        `cmd:"" help:"Sync one user or group now and print the outcome."`
	Plan        idmPlanCmd        `cmd:"" help:"Dry run: list the changes a full reconcile would make."`
	EndSessions idmEndSessionsCmd `cmd:"" name:"end-sessions" help:"End a provisioned user's sessions in the application."`
}

type idmAppArg struct {
	clientFlags `embed:""`
	App         string `arg:"" help:"Application id, slug or label."`
}

func (a *idmAppArg) resolve(ctx context.Context, m *Main) (string, *apiclient.Client, error) {
	cl, err := a.client(m)
	if err != nil {
		return "", nil, err
	}
	app, err := resolveApp(ctx, cl, a.App)
	if err != nil {
		return "", nil, err
	}
	return app.ID, cl, nil
}

func printSettings(m *Main, json bool, s *provision.Settings) error {
	if json {
		return writeJSON(m.Stdout, s)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	tok := "(none)"
	if s.HasToken {
		tok = "…" + s.TokenLast4
	}
	fmt.Fprintf(tw, "Kind\t%s\nBase URL\t%s\nToken\t%s\nGroups\t%v\nActive\t%v\n", s.Kind, s.BaseURL, tok, s.GroupsEnabled, s.Active)
	return tw.Flush()
}

type idmGetCmd struct{ idmAppArg }

func (c *idmGetCmd) Run(ctx context.Context, m *Main) error {
	id, x, err := c.resolve(ctx, m)
	if err != nil {
		return err
	}
	s, err := x.GetIdM(ctx, id)
	if err != nil {
		return err
	}
	return printSettings(m, c.JSON, s)
}

type idmConfigureCmd struct {
	idmAppArg
	BaseURL    *string `name:"base-url" help:"The SCIM base URL (Quip: https://{domain}.quip.com/business/admin/scim)."`
	TokenStdin bool    `name:"token-stdin" help:"Read the token from the first line of stdin."`
	Groups     *bool   `name:"groups" negatable:"" help:"Manage user groups in the application (default on)."`
}

func readToken(m *Main) (string, error) {
	line, err := bufio.NewReader(m.Stdin).ReadString('\n')
	tok := strings.TrimSpace(line)
	if tok == "" {
		if err != nil {
			return "", fmt.Errorf("read token from stdin: %w", err)
		}
		return "", errors.New("the token on stdin is empty")
	}
	return tok, nil
}

func (c *idmConfigureCmd) Run(ctx context.Context, m *Main) error {
	in := api.IdMSettingsInput{BaseURL: c.BaseURL, GroupsEnabled: c.Groups}
	if c.TokenStdin {
		tok, err := readToken(m)
		if err != nil {
			return err
		}
		in.Token = &tok
	}
	if in.BaseURL == nil && in.Token == nil && in.GroupsEnabled == nil {
		return errors.New("nothing to change: give --base-url, --token-stdin or --groups/--no-groups")
	}
	id, x, err := c.resolve(ctx, m)
	if err != nil {
		return err
	}
	s, err := x.PutIdM(ctx, id, in)
	if err != nil {
		return err
	}
	return printSettings(m, c.JSON, s)
}

type idmActivateCmd struct{ idmAppArg }

func (c *idmActivateCmd) Run(ctx context.Context, m *Main) error { return c.action(ctx, m, "activate") }

type idmDeactivateCmd struct{ idmAppArg }

func (c *idmDeactivateCmd) Run(ctx context.Context, m *Main) error {
	return c.action(ctx, m, "deactivate")
}

func (a *idmAppArg) action(ctx context.Context, m *Main, action string) error {
	id, x, err := a.resolve(ctx, m)
	if err != nil {
		return err
	}
	s, err := x.IdMAction(ctx, id, action)
	if err != nil {
		return err
	}
	return printSettings(m, a.JSON, s)
}

type idmReauthCmd struct{ idmAppArg }

func (c *idmReauthCmd) Run(ctx context.Context, m *Main) error {
	tok, err := readToken(m)
	if err != nil {
		return err
	}
	id, x, err := c.resolve(ctx, m)
	if err != nil {
		return err
	}
	s, err := x.ReauthIdM(ctx, id, tok)
	if err != nil {
		return err
	}
	return printSettings(m, c.JSON, s)
}

type idmStatusCmd struct{ idmAppArg }

func (c *idmStatusCmd) Run(ctx context.Context, m *Main) error {
	id, x, err := c.resolve(ctx, m)
	if err != nil {
		return err
	}
	s, err := x.IdMStatus(ctx, id)
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(m.Stdout, s)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "State\t%s\nQueue\t%d\nFailing\t%d\n", s.State, s.QueueDepth, s.Failing)
	if s.LastError != "" {
		fmt.Fprintf(tw, "Last error\t%s\n", s.LastError)
	}
	if s.NextRetry != nil {
		fmt.Fprintf(tw, "Next retry\t%s\n", s.NextRetry.Format("2006-01-02T15:04:05Z07:00"))
	}
	return tw.Flush()
}

type idmSyncCmd struct {
	idmAppArg
	User  string `name:"user" help:"Directory user id to sync."`
	Group string `name:"group" help:"Directory group id to sync."`
}

func (c *idmSyncCmd) Run(ctx context.Context, m *Main) error {
	if (c.User == "") == (c.Group == "") {
		return errors.New("give exactly one of --user and --group")
	}
	id, x, err := c.resolve(ctx, m)
	if err != nil {
		return err
	}
	o, err := x.IdMSync(ctx, id, api.IdMSyncInput{UserID: c.User, GroupID: c.Group})
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(m.Stdout, o)
	}
	if o.Success {
		fmt.Fprintf(m.Stdout, "synced %s %s\n", o.Kind, o.SubjectID)
		return nil
	}
	return fmt.Errorf("sync of %s %s failed (HTTP %d): %s", o.Kind, o.SubjectID, o.Status, o.Error)
}

type idmPlanCmd struct{ idmAppArg }

func (c *idmPlanCmd) Run(ctx context.Context, m *Main) error {
	id, x, err := c.resolve(ctx, m)
	if err != nil {
		return err
	}
	p, err := x.IdMPlan(ctx, id)
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(m.Stdout, p)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTION\tKIND\tNAME\tID\tAPP ID")
	for _, it := range p.Items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", it.Action, it.Kind, it.Name, it.SubjectID, it.RemoteID)
	}
	tw.Flush()
	if len(p.Items) == 0 {
		fmt.Fprintln(m.Stdout, "(nothing to change)")
	}
	return nil
}

type idmEndSessionsCmd struct {
	idmAppArg
	User string `arg:"" help:"Directory user id."`
}

func (c *idmEndSessionsCmd) Run(ctx context.Context, m *Main) error {
	id, x, err := c.resolve(ctx, m)
	if err != nil {
		return err
	}
	o, err := x.IdMEndSessions(ctx, id, c.User)
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(m.Stdout, o)
	}
	if o.Success {
		fmt.Fprintf(m.Stdout, "ended sessions of user %s\n", o.SubjectID)
		return nil
	}
	return fmt.Errorf("ending sessions of user %s failed (HTTP %d): %s", o.SubjectID, o.Status, o.Error)
}

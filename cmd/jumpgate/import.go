package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/importer"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

type appsImportCmd struct {
	List appsImportListCmd `cmd:"" help:"List the application's users, each NEW or IMPORTED (a directory user with that e-mail exists)."`
	Run  appsImportRunCmd  `cmd:"" help:"Import users (app-side ids, or --all); more than 100 run as a background job."`
}

type importsCmd struct {
	Get importsGetCmd `cmd:"" help:"Show an import job's progress, failures and activation links."`
}

type appsImportListCmd struct {
	idmAppArg
	NewOnly bool `name:"new-only" help:"Only users not yet in the directory."`
}

func (c *appsImportListCmd) Run(ctx context.Context, m *Main) error {
	id, cl, err := c.resolve(ctx, m)
	if err != nil {
		return err
	}
	l, err := cl.ImportUsers(ctx, id, c.NewOnly)
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(m.Stdout, l)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tEMAIL\tUSERNAME\tNAME")
	for _, u := range l.Users {
		status := "NEW"
		if u.Status == importer.StatusImported {
			status = "IMPORTED"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.ID, status, clean(u.Email), clean(u.UserName), clean(u.DisplayName))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%d users, %d new\n", l.Total, l.New)
	return nil
}

type appsImportRunCmd struct {
	idmAppArg
	IDs  []string `arg:"" optional:"" name:"id" help:"Application-side user ids."`
	All  bool     `help:"Import every user of the application."`
	Wait bool     `help:"For a background job: wait until it ends and print its result."`
}

func (c *appsImportRunCmd) Run(ctx context.Context, m *Main) error {
	if c.All == (len(c.IDs) > 0) {
		return errors.New("give either --all or user ids")
	}
	id, cl, err := c.resolve(ctx, m)
	if err != nil {
		return err
	}
	res, err := cl.Import(ctx, id, api.ImportInput{IDs: c.IDs, All: c.All})
	if err != nil {
		return err
	}
	if res.Job == nil {
		if c.JSON {
			return writeJSON(m.Stdout, res)
		}
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tOUTCOME\tDETAIL")
		warn := false
		for _, u := range res.Users {
			detail := u.Reason
			if u.Outcome == importer.OutcomeCreated {
				detail = u.ActivationURL
			}
			if u.Managed != nil && !*u.Managed {
				warn = true
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.ID, clean(u.Email), u.Outcome, clean(detail))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "created %d, skipped %d, failed %d\n", res.Created, res.Skipped, res.Failed)
		if warn {
			fmt.Fprintln(m.Stdout, "Warning: "+importer.UnmanagedWarning)
		}
		return nil
	}
	job := res.Job
	if !c.Wait {
		if c.JSON {
			return writeJSON(m.Stdout, job)
		}
		fmt.Fprintf(m.Stdout, "import job %s started for %d users; follow it with: jumpgate imports get %s\n", job.ID, job.Total, job.ID)
		return nil
	}
	for job.State == importer.JobRunning {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
		if job, err = cl.ImportJob(ctx, job.ID); err != nil {
			return err
		}
	}
	return printJob(m, c.JSON, job)
}

type importsGetCmd struct {
	clientFlags `embed:""`
	Job         string `arg:"" help:"Import job id."`
}

func (c *importsGetCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	j, err := cl.ImportJob(ctx, c.Job)
	if err != nil {
		return err
	}
	return printJob(m, c.JSON, j)
}

func printJob(m *Main, json bool, j *importer.Job) error {
	if json {
		return writeJSON(m.Stdout, j)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Job\t%s\nApplication\t%s\nState\t%s\nProgress\t%d/%d\nCreated\t%d\nSkipped\t%d\nFailed\t%d\n",
		j.ID, clean(j.AppLabel), j.State, j.Done, j.Total, j.Created, j.Skipped, j.Failed)
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, f := range j.Failures {
		fmt.Fprintf(m.Stdout, "failed %s %s: %s\n", f.ID, clean(f.Email), clean(f.Reason))
	}
	if j.Warning != "" {
		fmt.Fprintln(m.Stdout, "Warning: "+j.Warning)
	}
	return nil
}

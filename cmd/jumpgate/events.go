package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

type eventsCmd struct {
	clientFlags `embed:""`
	Service     string        `name:"service" placeholder:"S" help:"Only events of this service (directory, sso, user_portal, admin, scim, import)."`
	Type        []string      `name:"type" placeholder:"T" help:"Only events of this type (repeatable)."`
	Since       time.Duration `name:"since" placeholder:"DURATION" help:"Only events of the last DURATION, e.g. 24h." xor:"start"`
	Start       string        `name:"start" placeholder:"TIME" help:"Only events at or after TIME (RFC 3339)." xor:"start"`
	End         string        `name:"end" placeholder:"TIME" help:"Only events before TIME (RFC 3339)."`
	Search      string        `name:"search" placeholder:"Q" help:"Case-insensitive substring of ids, names, emails, IP, reason."`
	Sort        string        `name:"sort" enum:"ASC,DESC,asc,desc," default:"" help:"ASC or DESC (default DESC; --follow is always ASC)."`
	Limit       int           `name:"limit" help:"Events per page (1..10000, default 100)."`
	Follow      bool          `name:"follow" short:"f" help:"Keep printing new events until interrupted."`
	Interval    time.Duration `name:"interval" default:"2s" help:"How often --follow polls."`
}

func (c *eventsCmd) query(now time.Time) (api.EventQuery, error) {
	q := api.EventQuery{Service: c.Service, EventType: c.Type, SearchTerm: c.Search, Sort: strings.ToUpper(c.Sort), StartTime: c.Start, EndTime: c.End}
	if c.Since < 0 {
		return q, fmt.Errorf("--since must be positive")
	}
	if c.Since > 0 {
		q.StartTime = now.Add(-c.Since).UTC().Format(time.RFC3339Nano)
	}
	if c.Limit != 0 {
		q.Limit = &c.Limit
	}
	if c.Follow {
		q.Sort = "ASC"
		if c.End != "" {
			return q, fmt.Errorf("--follow does not take --end")
		}
		if q.StartTime == "" {
			q.StartTime = now.UTC().Format(time.RFC3339Nano)
		}
	}
	return q, nil
}

func (c *eventsCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	q, err := c.query(m.now())
	if err != nil {
		return err
	}
	if !c.Follow {
		page, err := cl.QueryEvents(ctx, q)
		if err != nil {
			return err
		}
		if c.JSON {
			return writeJSON(m.Stdout, page)
		}
		eventTable(m.Stdout, page.Events, true)
		if page.Next != nil {
			fmt.Fprintf(m.Stdout, "(more: narrow the query, raise --limit or use the API's search_after)\n")
		}
		return nil
	}
	// Follow: page with the cursor while pages are full; at the end, poll
	// again from the last event's timestamp, skipping the events already
	// printed at that timestamp.
	seen := map[string]bool{}
	lastTS := ""
	header := true
	for {
		page, err := cl.QueryEvents(ctx, q)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		var fresh []insights.Event
		for _, e := range page.Events {
			if seen[e.ID] {
				continue
			}
			ts := e.Timestamp.UTC().Format(insights.TimeFormat)
			if ts != lastTS {
				seen, lastTS = map[string]bool{}, ts
			}
			seen[e.ID] = true
			fresh = append(fresh, e)
		}
		if c.JSON {
			for _, e := range fresh {
				if err := writeJSONLine(m.Stdout, e); err != nil {
					return err
				}
			}
		} else if len(fresh) > 0 {
			eventTable(m.Stdout, fresh, header)
			header = false
		}
		if page.Next != nil {
			q.SearchAfter = page.Next
			continue
		}
		q.SearchAfter = nil
		if lastTS != "" {
			q.StartTime = lastTS
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(c.Interval):
		}
	}
}

func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func eventTable(w io.Writer, events []insights.Event, header bool) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if header {
		fmt.Fprintln(tw, "TIME\tTYPE\tOK\tBY\tRESOURCE\tAPPLICATION\tIP\tMESSAGE")
	}
	for _, e := range events {
		by := e.InitiatedBy.Email
		if by == "" {
			by = e.InitiatedBy.ID
		}
		if by == "" {
			by = e.InitiatedBy.Type
		}
		res := ""
		if e.Resource != nil {
			res = e.Resource.Name
			if res == "" {
				res = e.Resource.Email
			}
			if res == "" {
				res = e.Resource.ID
			}
		}
		app := ""
		if e.Application != nil {
			app = e.Application.DisplayLabel
			if app == "" {
				app = e.Application.Name
			}
		}
		ok := "yes"
		if !e.Success {
			ok = "no"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Timestamp.UTC().Format(insights.TimeFormat), e.EventType, ok,
			clean(by), clean(res), clean(app), e.ClientIP, clean(e.ErrorMessage))
	}
	tw.Flush()
}

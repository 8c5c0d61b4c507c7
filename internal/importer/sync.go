package importer

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
)

// Selection names the application users to import.
type Selection struct {
	IDs []string `json:"ids,omitempty"`
	All bool     `json:"all,omitempty"`
}

// Result is the answer to an import: per-user results when done at once,
// the job otherwise.
type Result struct {
	Created int          `json:"created"`
	Skipped int          `json:"skipped"`
	Failed  int          `json:"failed"`
	Users   []UserResult `json:"users,omitempty"`
	Job     *Job         `json:"job,omitempty"`
}

// Import imports the selected users of the application for the admin:
// at once up to SyncLimit users, as a background job beyond. The app must
// be readable first: nothing is imported when it is not.
func (im *Importer) Import(ctx context.Context, admin directory.Actor, appID string, sel Selection) (*Result, error) {
	if !sel.All && len(sel.IDs) == 0 {
		return nil, directory.Invalid(directory.FieldError{Field: "ids", Reason: "name at least one user, or set all"})
	}
	app, _, users, err := im.fetch(ctx, appID)
	if err != nil {
		return nil, err
	}
	chosen, err := choose(users, sel)
	if err != nil {
		return nil, err
	}
	if len(chosen) > SyncLimit {
		ids, skipped, err := im.jobOrder(ctx, chosen)
		if err != nil {
			return nil, err
		}
		job, err := im.startJob(ctx, admin, app, ids, skipped)
		if err != nil {
			return nil, err
		}
		return &Result{Job: job}, nil
	}
	im.event(ctx, insights.ImportStart, admin, app, true, "", map[string]string{"total": fmt.Sprint(len(chosen))})
	res := &Result{Users: make([]UserResult, 0, len(chosen))}
	for start := 0; start < len(chosen); start += batchSize {
		for _, r := range im.importUsers(ctx, admin, appID, chosen[start:min(start+batchSize, len(chosen))]) {
			res.add(r)
		}
	}
	im.event(ctx, insights.ImportComplete, admin, app, true, "", map[string]string{"total": fmt.Sprint(len(chosen)),
		"created": fmt.Sprint(res.Created), "skipped": fmt.Sprint(res.Skipped), "failed": fmt.Sprint(res.Failed)})
	return res, nil
}

func (r *Result) add(u UserResult) {
	switch u.Outcome {
	case OutcomeCreated:
		r.Created++
	case OutcomeSkipped:
		r.Skipped++
	default:
		r.Failed++
	}
	r.Users = append(r.Users, u)
}

// choose returns the selected users; EINVALID naming unknown ids.
func choose(users []connector.RemoteUser, sel Selection) ([]connector.RemoteUser, error) {
	if sel.All {
		return users, nil
	}
	byID := make(map[string]connector.RemoteUser, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	var out []connector.RemoteUser
	var unknown []string
	seen := map[string]bool{}
	for _, id := range sel.IDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		u, ok := byID[id]
		if !ok {
			unknown = append(unknown, id)
			continue
		}
		out = append(out, u)
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		if len(unknown) > 20 {
			unknown = append(unknown[:20], "...")
		}
		return nil, directory.Invalid(directory.FieldError{Field: "ids", Reason: "unknown user ids: " + strings.Join(unknown, ", ")})
	}
	return out, nil
}

// event records an import event naming the app and the admin.
func (im *Importer) event(ctx context.Context, t insights.EventType, admin directory.Actor, app *directory.App, ok bool, msg string, details map[string]string) {
	if im.Insights == nil {
		return
	}
	_ = im.Insights.Record(ctx, insights.Event{EventType: t, Service: insights.ServiceImport, Timestamp: im.now(),
		InitiatedBy: insights.Initiator{ID: admin.ID, Type: string(admin.Type), Email: admin.Email}, Success: ok,
		Resource:    &insights.Resource{ID: app.ID, Type: "application", Name: app.Label},
		Application: &insights.Application{ID: app.ID, Name: app.Label, DisplayLabel: app.Label}, ErrorMessage: msg, Details: details})
}

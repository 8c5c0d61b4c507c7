package portal

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
)

// insightsPageSize is how many events one page of the table lists.
const insightsPageSize = 50

// mountInsights registers the Directory Insights pages:
//
//	GET /admin/insights          filters, chart, events table (?service=, event_type= (repeated),
//	                             start=, end= (datetime-local, UTC), q=, sort=asc|desc, after=<cursor>)
//	GET /admin/insights/export   every event of the same filters as JSON Lines (attachment)
func (h *Handler) mountInsights(mux *http.ServeMux) {
	h.page(mux, "GET /admin/insights", h.insightsPage)
	h.page(mux, "GET /admin/insights/export", h.insightsExport)
}

// insFilter is the filter form as submitted; it parses into a query.
type insFilter struct {
	Service string
	Types   []string
	Start   string // datetime-local values, UTC
	End     string
	Q       string
	Sort    string // "asc" or "desc"
	After   string
}

// insTimeLayouts are the accepted forms of start and end: what browsers
// send for datetime-local (with or without seconds) and RFC 3339.
var insTimeLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339Nano}

func parseInsTime(field, s string) (time.Time, error) {
	for _, l := range insTimeLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, directory.Invalid(directory.FieldError{Field: field,
		Reason: "must be a date and time in UTC such as 2026-11-01T09:30"})
}

// readInsFilter reads the filter parameters of r; it checks their form, the
// insights store checks their values.
func readInsFilter(r *http.Request) (insFilter, insights.Query, error) {
	v := r.URL.Query()
	f := insFilter{Service: strings.TrimSpace(v.Get("service")), Types: v["event_type"], Start: strings.TrimSpace(v.Get("start")),
		End: strings.TrimSpace(v.Get("end")), Q: strings.TrimSpace(v.Get("q")), Sort: strings.ToLower(strings.TrimSpace(v.Get("sort"))),
		After: v.Get("after")}
	q := insights.Query{Service: insights.Service(f.Service), SearchTerm: f.Q, Sort: strings.ToUpper(f.Sort), Limit: insightsPageSize,
		SearchAfter: f.After}
	if len(f.Types) > len(insights.TypeNames()) {
		return f, q, directory.Invalid(directory.FieldError{Field: "event_type", Reason: "names more event types than there are"})
	}
	for _, t := range f.Types {
		q.EventTypes = append(q.EventTypes, insights.EventType(t))
	}
	var err error
	if f.Start != "" {
		if q.Start, err = parseInsTime("start", f.Start); err != nil {
			return f, q, err
		}
	}
	if f.End != "" {
		if q.End, err = parseInsTime("end", f.End); err != nil {
			return f, q, err
		}
	}
	if len(f.After) > 512 {
		return f, q, directory.Invalid(directory.FieldError{Field: "after", Reason: "is not a cursor of this query"})
	}
	if err := q.Normalize(); err != nil {
		return f, q, insFilterError(err)
	}
	return f, q, nil
}

// insFieldNames maps the store's field names to the form's.
var insFieldNames = map[string]string{"start_time": "start", "end_time": "end", "search_term": "q", "search_after": "after"}

// insFilterError turns the store's *InvalidError into EINVALID naming the
// form's field and, when they are a list, the valid values.
func insFilterError(err error) error {
	var ie *insights.InvalidError
	if !errors.As(err, &ie) {
		return err
	}
	field := ie.Field
	if n, ok := insFieldNames[field]; ok {
		field = n
	}
	reason := ie.Reason
	if len(ie.Valid) > 0 {
		vals := ie.Valid
		if field == "sort" {
			vals = []string{"asc", "desc"}
		}
		reason += "; valid values: " + strings.Join(vals, ", ")
	}
	return directory.Invalid(directory.FieldError{Field: field, Reason: reason})
}

// values encodes the filter (without the cursor) as query parameters.
func (f insFilter) values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"service", f.Service}, {"start", f.Start}, {"end", f.End}, {"q", f.Q}, {"sort", f.Sort}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	for _, t := range f.Types {
		v.Add("event_type", t)
	}
	return v
}

func (f insFilter) url(path, after string) string {
	v := f.values()
	if after != "" {
		v.Set("after", after)
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// insTypeGroup is the event types of one service, for the filter form.
type insTypeGroup struct {
	Service insights.Service
	Types   []insights.TypeInfo
}

func insCatalogue() []insTypeGroup {
	var out []insTypeGroup
	for _, s := range insights.Services() {
		g := insTypeGroup{Service: s}
		for _, t := range insights.Catalogue() {
			if t.Service == s {
				g.Types = append(g.Types, t)
			}
		}
		out = append(out, g)
	}
	return out
}

// insRow is one event of the table.
type insRow struct {
	insights.Event
	// Who, What and App are the table's texts for the initiator, the
	// resource and the application.
	Who, What, App string
}

func insRowOf(e insights.Event) insRow {
	r := insRow{Event: e}
	in := e.InitiatedBy
	switch {
	case in.Email != "":
		r.Who = in.Email
	case in.ID != "":
		r.Who = in.ID
	}
	if in.Type != "" {
		r.Who = strings.TrimSpace(in.Type + " " + r.Who)
	}
	if res := e.Resource; res != nil {
		name := insFirst(res.Email, res.Name, res.ID)
		r.What = strings.TrimSpace(res.Type + " " + name)
	}
	if a := e.Application; a != nil {
		r.App = insFirst(a.DisplayLabel, a.Name, a.ID)
	}
	return r
}

func insFirst(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

type insightsData struct {
	Filter    insFilter
	Services  []insights.Service
	Catalogue []insTypeGroup
	Rows      []insRow
	Total     int64 // events matching the filters (all pages)
	NextURL   string
	FirstURL  string // set on pages after the first
	ExportURL string
	Chart     *chartView
}

func (h *Handler) insightsPage(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	if h.Insights == nil {
		return unavailable("Directory Insights")
	}
	f, q, err := readInsFilter(r)
	if err != nil {
		h.insightsRefused(w, r, s, err)
		return nil
	}
	ctx := r.Context()
	page, err := h.Insights.Query(ctx, q)
	if err != nil {
		if insights.IsInvalid(err) {
			h.insightsRefused(w, r, s, insFilterError(err))
			return nil
		}
		return err
	}
	hist, err := h.Insights.Histogram(ctx, q, insights.DefaultBuckets)
	if err != nil {
		return insFilterError(err)
	}
	d := &insightsData{Filter: f, Services: insights.Services(), Catalogue: insCatalogue(),
		ExportURL: f.url("/admin/insights/export", ""), Chart: buildChart(hist)}
	for _, b := range hist.Buckets {
		d.Total += b.Success + b.Failure
	}
	for _, e := range page.Events {
		d.Rows = append(d.Rows, insRowOf(e))
	}
	if page.Next != "" {
		d.NextURL = f.url("/admin/insights", page.Next)
	}
	if f.After != "" {
		d.FirstURL = f.url("/admin/insights", "")
	}
	h.render(w, r, http.StatusOK, "insights", &view{Title: "Directory Insights", Section: "insights", Session: s, Data: d})
	return nil
}

// insightsRefused answers a bad filter: 400 with the reason and the valid
// values, and nothing else.
func (h *Handler) insightsRefused(w http.ResponseWriter, r *http.Request, s *adminauth.Session, err error) {
	if directory.ErrorCode(err) != directory.EINVALID {
		h.fail(w, r, s, err)
		return
	}
	v := &view{Title: "Invalid filter", Section: "insights", Session: s}
	v.setError(err)
	h.render(w, r, http.StatusBadRequest, "message", v)
}

// insightsExport streams every event of the filters as JSON Lines.
func (h *Handler) insightsExport(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	if h.Insights == nil {
		return unavailable("Directory Insights")
	}
	_, q, err := readInsFilter(r)
	if err != nil {
		h.insightsRefused(w, r, s, err)
		return nil
	}
	q.SearchAfter, q.Limit = "", 1000
	ctx := r.Context()
	now := time.Now().UTC()
	hd := w.Header()
	hd.Set("Content-Type", "application/x-ndjson")
	hd.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="jumpgate-insights-%s.jsonl"`, now.Format("20060102T150405Z")))
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	flusher, _ := w.(http.Flusher)
	n := 0
	err = h.Insights.Export(ctx, q, func(e insights.Event) error {
		if err := enc.Encode(e); err != nil {
			return err
		}
		if n++; n%1000 == 0 && flusher != nil {
			flusher.Flush()
		}
		return nil
	})
	if err != nil {
		// The status is sent: a truncated file is all the admin can see.
		h.log().ErrorContext(ctx, "insights export interrupted", "err", err, "written", n, "admin", s.Email)
	}
	return nil
}

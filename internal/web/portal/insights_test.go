package portal_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
)

// insBase is the time of the test events: far from now, so that the
// events of signing in never fall in the test's ranges.
var insBase = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func record(t *testing.T, e *env, ev insights.Event) {
	t.Helper()
	if err := e.Insights.Record(ctx, ev); err != nil {
		t.Fatal(err)
	}
}

// eventRows is how many events the page's table lists.
func eventRows(p page) int { return strings.Count(p.Body, `<tr class="event"`) }

var nextRE = regexp.MustCompile(`id="next" rel="next" href="([^"]+)"`)

func TestInsightsFilterChartAndErrors(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(directory.RoleAdmin)
	app := &insights.Application{ID: "app-1", Name: "quip", DisplayLabel: "Quip"}
	for i := range 3 {
		record(t, e, insights.Event{EventType: insights.UserCreateProvision, Timestamp: insBase.Add(time.Duration(i) * time.Minute),
			Success: i != 2, InitiatedBy: insights.Initiator{Type: "system"}, Application: app,
			Resource: &insights.Resource{ID: fmt.Sprintf("u%d", i), Type: "user", Email: fmt.Sprintf("user%d@acme.test", i)},
			Changes:  []insights.Change{{Field: "emails", To: fmt.Sprintf("user%d@acme.test", i)}}})
	}
	record(t, e, insights.Event{EventType: insights.UserCreateProvision, Timestamp: insBase.Add(-time.Hour), Success: true}) // before the range
	record(t, e, insights.Event{EventType: insights.UserUpdateProvision, Timestamp: insBase.Add(2 * time.Hour), Success: false,
		ErrorMessage: "uniqueness", Provisioning: &insights.Provisioning{HTTPStatus: 409, SCIMType: "uniqueness", Detail: "email taken"}})
	record(t, e, insights.Event{EventType: insights.SSOAuth, Timestamp: insBase.Add(30 * time.Minute), Success: true})

	// Page without filters: every event, the chart, the filter form from the catalogue.
	p := b.get("/admin/insights").wantStatus(t, http.StatusOK).wantText(t, "Events over time", "user_lookup_provision",
		"idm_integration_activate", "Export (JSON Lines)").whole(t)
	if eventRows(p) < 6 {
		t.Fatalf("unfiltered page lists %d events", eventRows(p))
	}

	// Event type and time range.
	q := "/admin/insights?event_type=user_create_provision&start=2026-03-01T10:00&end=2026-03-01T12:00"
	p = b.get(q).wantStatus(t, http.StatusOK).wantText(t, "3 events match", "user2@acme.test", "Quip").whole(t)
	if eventRows(p) != 3 {
		t.Fatalf("filtered page lists %d events, want 3", eventRows(p))
	}
	p.lacks(t, "uniqueness")
	if !strings.Contains(p.Body, `value="user_create_provision" checked`) || !strings.Contains(p.Body, `value="2026-03-01T10:00"`) {
		t.Error("filters not kept in the form")
	}
	// Newest first by default; oldest first on request.
	if i0, i2 := strings.Index(p.Body, "user0@acme.test"), strings.Index(p.Body, "user2@acme.test"); i2 > i0 {
		t.Error("default order is not newest first")
	}
	p = b.get(q + "&sort=asc")
	if i0, i2 := strings.Index(p.Body, "user0@acme.test"), strings.Index(p.Body, "user2@acme.test"); i0 > i2 {
		t.Error("sort=asc is not oldest first")
	}

	// The chart: inline SVG with success and failure series.
	svg := p.Body[strings.Index(p.Body, "<svg"):strings.Index(p.Body, "</svg>")]
	for _, want := range []string{`class="chart"`, `role="img"`, `aria-label="Events over time`, `<rect class="ok"`, `<rect class="fail"`,
		"Success (2)", "Failure (1)", "10:00 – 2026-03-01 10:05 UTC: 2 succeeded, 1 failed", "0 succeeded, 0 failed", "Time (UTC)"} {
		if !strings.Contains(html.UnescapeString(svg), want) {
			t.Errorf("chart lacks %q:\n%s", want, svg)
		}
	}

	// Search term and details (provisioning status, scimType, detail).
	p = b.get("/admin/insights?q=uniqueness").wantStatus(t, http.StatusOK).wantText(t, "1 event matches", "HTTP 409", "email taken", "scimType").whole(t)
	if eventRows(p) != 1 {
		t.Fatalf("search lists %d events", eventRows(p))
	}
	b.get("/admin/insights?service=sso&start=2026-03-01T00:00&end=2026-03-02T00:00").wantStatus(t, http.StatusOK).wantText(t, "1 event matches", "sso_auth")

	// Bad filters: 400 naming the valid values, and nothing else.
	p = b.get("/admin/insights?event_type=user_create_provision&event_type=bogus").wantStatus(t, http.StatusBadRequest)
	p.wantText(t, `unknown event type "bogus"`, "valid values", "user_create_provision", "group_delete_provision").lacks(t, "<svg", `class="event"`)
	b.get("/admin/insights?service=mail").wantStatus(t, http.StatusBadRequest).wantText(t, "valid values: admin, directory, import, scim, sso, user_portal")
	b.get("/admin/insights?sort=sideways").wantStatus(t, http.StatusBadRequest).wantText(t, "valid values: asc, desc")
	b.get("/admin/insights?start=yesterday").wantStatus(t, http.StatusBadRequest).wantText(t, "start", "2026-11-01T09:30")
	b.get("/admin/insights?start=2026-03-02T00:00&end=2026-03-01T00:00").wantStatus(t, http.StatusBadRequest).wantText(t, "must be after")
	b.get("/admin/insights?after=forged").wantStatus(t, http.StatusBadRequest).wantText(t, "cursor")
	b.get("/admin/insights/export?event_type=bogus").wantStatus(t, http.StatusBadRequest).wantText(t, "valid values")

	// Read-only admins may read Directory Insights.
	e.signedIn(directory.RoleReadOnly).get(q).wantStatus(t, http.StatusOK).wantText(t, "3 events match")
}

func TestInsightsPagingAndExport(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(directory.RoleAdmin)
	const n = 63
	for i := range n {
		record(t, e, insights.Event{EventType: insights.GroupCreateProvision, Timestamp: insBase.Add(time.Duration(i) * time.Second),
			Success: i%10 != 0, Resource: &insights.Resource{ID: fmt.Sprintf("g%02d", i), Type: "group", Name: fmt.Sprintf("team-%02d", i)}})
	}
	record(t, e, insights.Event{EventType: insights.GroupDeleteProvision, Timestamp: insBase, Success: true})
	filter := "event_type=group_create_provision&start=2026-03-01T09:00&end=2026-03-01T11:00"

	// Page 1, then the Next link with the cursor; together every event once.
	p := b.get("/admin/insights?"+filter).wantStatus(t, http.StatusOK).wantText(t, "63 events match")
	if eventRows(p) != 50 {
		t.Fatalf("page 1 lists %d:\n%s", eventRows(p), p.Body)
	}
	m := nextRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatal("no Next page link")
	}
	next := html.UnescapeString(m[1])
	if !strings.Contains(next, "after=") || !strings.Contains(next, "event_type=group_create_provision") {
		t.Fatalf("next link %q lacks the cursor or the filter", next)
	}
	p2 := b.get(next).wantStatus(t, http.StatusOK).wantText(t, "First page", "team-00").whole(t).lacks(t, "team-13", `id="next"`)
	if eventRows(p2) != 13 {
		t.Fatalf("page 2 lists %d", eventRows(p2))
	}
	// A cursor of another query is refused.
	b.get(strings.Replace(next, "group_create_provision", "group_delete_provision", 1)).wantStatus(t, http.StatusBadRequest)

	// Export: JSON Lines of the same filter, as an attachment.
	res, err := b.c.Get(e.URL + "/admin/insights/export?" + filter + "&sort=asc")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/x-ndjson" ||
		!strings.HasPrefix(res.Header.Get("Content-Disposition"), `attachment; filename="jumpgate-insights-`) {
		t.Fatalf("export answer %d %v", res.StatusCode, res.Header)
	}
	sc := bufio.NewScanner(res.Body)
	var got []insights.Event
	for sc.Scan() {
		var ev insights.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %d: %v: %s", len(got)+1, err, sc.Text())
		}
		got = append(got, ev)
	}
	if len(got) != n {
		t.Fatalf("export holds %d events, want %d", len(got), n)
	}
	for i, ev := range got {
		if ev.EventType != insights.GroupCreateProvision || ev.Resource == nil || ev.Resource.Name != fmt.Sprintf("team-%02d", i) ||
			ev.Success != (i%10 != 0) || !ev.Timestamp.Equal(insBase.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("export event %d = %+v", i, ev)
		}
	}
	// Signed out: to the sign-in page, no events.
	anon := e.browser()
	p = anon.get("/admin/insights/export?" + filter)
	if !strings.HasPrefix(p.URL.Path, "/admin/login") {
		t.Fatalf("anonymous export ended at %s", p.URL)
	}
}

func TestOutbox(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(directory.RoleAdmin)
	b.get("/admin/outbox").wantStatus(t, http.StatusOK).wantText(t, "No SMTP server is configured", "The outbox is empty.")
	if err := e.Outbox.Send(ctx, "ada@acme.test", "Activate your account <now>", "Hello Ada,\n\nopen https://idp.test/activate?token=abc&x=1\n"); err != nil {
		t.Fatal(err)
	}
	p := b.get("/admin/outbox").wantStatus(t, http.StatusOK).wantText(t, "ada@acme.test", "Activate your account <now>",
		"Hello Ada,\n\nopen https://idp.test/activate?token=abc&x=1").whole(t)
	if !strings.Contains(p.Body, "<pre>Hello Ada,") || strings.Contains(p.Body, "<now>") {
		t.Fatalf("body not in <pre> or subject not escaped:\n%s", p.Body)
	}
	e.signedIn(directory.RoleReadOnly).get("/admin/outbox").wantStatus(t, http.StatusForbidden)
}

package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

func insightsEnv(t *testing.T) (*env, *insights.Store) {
	e := newEnv(t)
	st := insights.New(e.store.(*sqlstore.Store))
	e.handler.Insights = st
	e.handler.AuthFailures = insights.AuthRecorder{Store: st}
	e.handler.Service.Effects = []lifecycle.Effect{st.Effect}
	return e, st
}

func TestInsightsQueryAPI(t *testing.T) {
	e, _ := insightsEnv(t)
	for i := 0; i < 7; i++ {
		e.must("POST", "/api/v1/users", fmt.Sprintf(`{"username":"u%d","email":"u%d@example.com"}`, i, i), http.StatusCreated)
	}
	// A read-only key may query; pages of 3 with cursors cover all 7.
	var all []insights.Event
	body := `{"event_type":["user_create"],"sort":"ASC","limit":3}`
	for pages := 0; ; pages++ {
		r := e.do("POST", "/api/v1/insights/events", e.roKey, body)
		if r.status != http.StatusOK {
			t.Fatalf("query = %d %s", r.status, r.body)
		}
		var p struct {
			Events []insights.Event `json:"events"`
			Next   *string          `json:"next"`
		}
		r.decode(t, &p)
		all = append(all, p.Events...)
		if p.Next == nil {
			if !bytes.Contains(r.body, []byte(`"next":null`)) {
				t.Errorf("last page without next:null: %s", r.body)
			}
			break
		}
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		body = fmt.Sprintf(`{"event_type":["user_create"],"sort":"ASC","limit":3,"search_after":%q}`, *p.Next)
	}
	if len(all) != 7 || all[0].Resource.Name != "u0" || all[6].Resource.Name != "u6" {
		t.Fatalf("got %d events: %+v", len(all), all)
	}
	if all[0].InitiatedBy.Type != "admin" || all[0].InitiatedBy.Email != "admin@example.com" {
		t.Errorf("initiator %+v", all[0].InitiatedBy)
	}
	r := e.do("POST", "/api/v1/insights/events/count", e.roKey, `{"search_term":"u3@example"}`)
	if r.status != 200 || strings.TrimSpace(string(r.body)) != `{"count":1}` {
		t.Errorf("count = %d %s", r.status, r.body)
	}
	r = e.do("POST", "/api/v1/insights/events/export", e.roKey, `{"service":"directory","limit":2}`)
	if r.status != 200 || r.header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("export = %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	sc := bufio.NewScanner(bytes.NewReader(r.body))
	lines := 0
	for sc.Scan() {
		var ev insights.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %d: %v", lines, err)
		}
		lines++
	}
	if lines != 7 {
		t.Errorf("exported %d lines, want 7", lines)
	}
}

func TestInsightsBadInput(t *testing.T) {
	e, _ := insightsEnv(t)
	e.must("POST", "/api/v1/users", `{"username":"a","email":"a@example.com"}`, http.StatusCreated)
	e.must("POST", "/api/v1/users", `{"username":"b","email":"b@example.com"}`, http.StatusCreated)
	var p struct{ Next *string }
	e.must("POST", "/api/v1/insights/events", `{"limit":1}`, 200).decode(t, &p)
	if p.Next == nil {
		t.Fatal("no cursor")
	}
	cases := map[string]struct{ body, want string }{
		"type":          {`{"event_type":["nope"]}`, "user_create"},
		"service":       {`{"service":"nope"}`, "user_portal"},
		"reversed":      {`{"start_time":"2026-11-02T00:00:00Z","end_time":"2026-11-01T00:00:00Z"}`, "end_time"},
		"bad time":      {`{"start_time":"yesterday"}`, "start_time"},
		"limit 0":       {`{"limit":0}`, "limit"},
		"limit high":    {`{"limit":10001}`, "limit"},
		"sort":          {`{"sort":"sideways"}`, "ASC"},
		"forged cursor": {`{"search_after":"Zm9yZ2VkY3Vyc29yZm9yZ2VkY3Vyc29y"}`, "search_after"},
		"other query":   {fmt.Sprintf(`{"limit":1,"sort":"ASC","search_after":%q}`, *p.Next), "search_after"},
		"unknown field": {`{"colour":"red"}`, "colour"},
		"not json":      {`[1]`, "object"},
	}
	for _, path := range []string{"/api/v1/insights/events", "/api/v1/insights/events/count", "/api/v1/insights/events/export"} {
		for name, c := range cases {
			if strings.HasSuffix(path, "count") && (name == "forged cursor" || name == "other query") {
				continue // a count has no page to continue
			}
			r := e.do("POST", path, e.roKey, c.body)
			if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), c.want) {
				t.Errorf("%s %s = %d %s; want 400 mentioning %q", path, name, r.status, r.body, c.want)
			}
		}
	}
}

func TestInsightsAPIKeyFailure(t *testing.T) {
	e, st := insightsEnv(t)
	r := e.do("GET", "/api/v1/users", "jg_bogus_key", "")
	if r.status != http.StatusUnauthorized {
		t.Fatalf("status %d", r.status)
	}
	r = e.do("POST", "/api/v1/insights/events", e.roKey, `{"event_type":["admin_api_key_auth_failure"]}`)
	var p struct{ Events []insights.Event }
	r.decode(t, &p)
	if len(p.Events) != 1 || p.Events[0].Success || p.Events[0].ClientIP == "" || p.Events[0].ErrorMessage == "" ||
		strings.Contains(string(r.body), "jg_bogus_key") {
		t.Fatalf("events %s", r.body)
	}
	_ = st
}

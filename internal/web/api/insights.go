package api

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/web"
)

// APIKeyFailureRecorder is told of every request refused for its API key
// (insights.AuthRecorder implements it). reason never holds the key.
type APIKeyFailureRecorder interface {
	APIKeyAuthFailure(ctx context.Context, clientIP, reason string)
}

func (h *Handler) recordAuthFailure(r *http.Request, err error) {
	if h.AuthFailures == nil || directory.ErrorCode(err) != directory.EUNAUTHORIZED {
		return
	}
	reason := directory.ErrorMessage(err)
	var de *directory.Error
	if errors.As(err, &de) && de.Err != nil {
		reason = de.Err.Error()
	}
	h.AuthFailures.APIKeyAuthFailure(r.Context(), clientIP(r), reason)
}

// clientIP is the address of the peer (no proxy headers are trusted).
func clientIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

func (h *Handler) mountInsights(mux *http.ServeMux) {
	h.handle(mux, "POST /api/v1/insights/events", readOnly, h.queryEvents)
	h.handle(mux, "POST /api/v1/insights/events/count", readOnly, h.countEvents)
	h.handle(mux, "POST /api/v1/insights/events/export", readOnly, h.exportEvents)
}

// EventQuery is the body of the /api/v1/insights/events routes.
type EventQuery struct {
	Service     string   `json:"service,omitempty"`
	EventType   []string `json:"event_type,omitempty"`
	StartTime   string   `json:"start_time,omitempty"`
	EndTime     string   `json:"end_time,omitempty"`
	SearchTerm  string   `json:"search_term,omitempty"`
	Sort        string   `json:"sort,omitempty"`
	Limit       *int     `json:"limit,omitempty"`
	SearchAfter *string  `json:"search_after,omitempty"`
}

// EventPage is the answer of POST /api/v1/insights/events.
type EventPage struct {
	Events []insights.Event `json:"events"`
	Next   *string          `json:"next"`
}

func invalidField(field, reason string) error {
	return directory.Invalid(directory.FieldError{Field: field, Reason: reason})
}

func (h *Handler) decodeEventQuery(r *http.Request) (insights.Query, error) {
	if h.Insights == nil {
		return insights.Query{}, directory.Errorf(directory.EUNAVAILABLE, "Directory Insights is not configured")
	}
	var in EventQuery
	if err := web.DecodeJSON(r.Body, web.MaxBodyBytes, &in); err != nil {
		return insights.Query{}, err
	}
	q := insights.Query{Service: insights.Service(in.Service), SearchTerm: in.SearchTerm, Sort: in.Sort}
	for _, t := range in.EventType {
		q.EventTypes = append(q.EventTypes, insights.EventType(t))
	}
	for _, f := range []struct {
		name string
		in   string
		out  *time.Time
	}{{"start_time", in.StartTime, &q.Start}, {"end_time", in.EndTime, &q.End}} {
		if f.in == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, f.in)
		if err != nil {
			return q, invalidField(f.name, "must be an RFC 3339 time such as 2026-11-01T00:00:00Z")
		}
		*f.out = t
	}
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > insights.MaxLimit {
			return q, invalidField("limit", "must be between 1 and 10000")
		}
		q.Limit = *in.Limit
	}
	if in.SearchAfter != nil {
		if *in.SearchAfter == "" {
			return q, invalidField("search_after", "must be a cursor returned as next")
		}
		q.SearchAfter = *in.SearchAfter
	}
	if err := q.Normalize(); err != nil {
		return q, insightsError(err)
	}
	return q, nil
}

func insightsError(err error) error {
	var ie *insights.InvalidError
	if errors.As(err, &ie) {
		reason := ie.Reason
		if len(ie.Valid) > 0 {
			reason += "; valid values: " + strings.Join(ie.Valid, ", ")
		}
		return invalidField(ie.Field, reason)
	}
	return err
}

func (h *Handler) queryEvents(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	q, err := h.decodeEventQuery(r)
	if err != nil {
		return err
	}
	page, err := h.Insights.Query(r.Context(), q)
	if err != nil {
		return insightsError(err)
	}
	out := EventPage{Events: page.Events}
	if page.Next != "" {
		out.Next = &page.Next
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) countEvents(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	q, err := h.decodeEventQuery(r)
	if err != nil {
		return err
	}
	n, err := h.Insights.Count(r.Context(), q)
	if err != nil {
		return insightsError(err)
	}
	web.WriteJSON(w, http.StatusOK, map[string]int64{"count": n})
	return nil
}

// exportEvents streams every event of the query as JSON Lines. The limit,
// when given, is the size of the pages read internally.
func (h *Handler) exportEvents(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	q, err := h.decodeEventQuery(r)
	if err != nil {
		return err
	}
	if q.Limit == insights.DefaultLimit {
		q.Limit = 1000
	}
	// Check the cursor before the first byte, so that a bad one is a 400.
	first, err := h.Insights.Query(r.Context(), insights.Query{Service: q.Service, EventTypes: q.EventTypes, Start: q.Start,
		End: q.End, SearchTerm: q.SearchTerm, Sort: q.Sort, Limit: 1, SearchAfter: q.SearchAfter})
	if err != nil {
		return insightsError(err)
	}
	_ = first
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	flusher, _ := w.(http.Flusher)
	n := 0
	err = h.Insights.Export(r.Context(), q, func(e insights.Event) error {
		if err := enc.Encode(e); err != nil {
			return err
		}
		if n++; n%1000 == 0 && flusher != nil {
			flusher.Flush()
		}
		return nil
	})
	if err != nil {
		// The status is sent; a truncated stream is all the client can see.
		web.Logger(r.Context()).ErrorContext(r.Context(), "insights export interrupted", "err", err, "written", n)
	}
	return nil
}

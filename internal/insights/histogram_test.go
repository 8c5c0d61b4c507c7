package insights_test

import (
	"context"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/insights"
)

func TestHistogram(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		_, s, _ := open(t, dsn)
		base := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
		rec := func(at time.Duration, typ insights.EventType, ok bool) {
			t.Helper()
			if err := s.Record(ctx, insights.Event{EventType: typ, Timestamp: base.Add(at), Success: ok}); err != nil {
				t.Fatal(err)
			}
		}
		// 10:00–11:00: 2 ok + 1 failed provisioning, 1 sso; 12:30: 1 failed; 13:59:59: 1 ok.
		rec(5*time.Minute, insights.UserCreateProvision, true)
		rec(6*time.Minute, insights.UserCreateProvision, true)
		rec(7*time.Minute, insights.UserCreateProvision, false)
		rec(8*time.Minute, insights.SSOAuth, true)
		rec(150*time.Minute, insights.UserUpdateProvision, false)
		rec(4*time.Hour-time.Second, insights.UserUpdateProvision, true)

		// A fixed range of 4 hours in at most 4 slots: hourly.
		q := insights.Query{Service: insights.ServiceSCIM, Start: base, End: base.Add(4 * time.Hour)}
		h, err := s.Histogram(ctx, q, 4)
		if err != nil {
			t.Fatal(err)
		}
		if h.Width != time.Hour || len(h.Buckets) != 4 || !h.Start.Equal(base) || !h.End.Equal(base.Add(4*time.Hour)) {
			t.Fatalf("histogram frame = %v..%v width %v, %d buckets", h.Start, h.End, h.Width, len(h.Buckets))
		}
		want := [][2]int64{{2, 1}, {0, 0}, {0, 1}, {1, 0}}
		for i, b := range h.Buckets {
			if !b.Start.Equal(base.Add(time.Duration(i) * time.Hour)) {
				t.Errorf("bucket %d starts %v", i, b.Start)
			}
			if b.Success != want[i][0] || b.Failure != want[i][1] {
				t.Errorf("bucket %d = %d ok / %d failed, want %v", i, b.Success, b.Failure, want[i])
			}
		}

		// The same counts as Count, filter by filter.
		for _, q := range []insights.Query{
			{EventTypes: []insights.EventType{insights.UserCreateProvision}},
			{SearchTerm: "sso_auth"},
			{Start: base.Add(time.Hour)},
			{End: base.Add(3 * time.Hour)},
		} {
			h, err := s.Histogram(ctx, q, 0)
			if err != nil {
				t.Fatal(err)
			}
			n, err := s.Count(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var sum int64
			for _, b := range h.Buckets {
				sum += b.Success + b.Failure
			}
			if sum != n || len(h.Buckets) == 0 || len(h.Buckets) > insights.DefaultBuckets {
				t.Errorf("%+v: histogram holds %d events in %d buckets, Count says %d", q, sum, len(h.Buckets), n)
			}
			if q.Start.IsZero() && h.Start.UnixMicro()%h.Width.Microseconds() != 0 {
				t.Errorf("%+v: open start %v not aligned to %v", q, h.Start, h.Width)
			}
		}

		// Open range: from the first to the last event, aligned.
		h, err = s.Histogram(ctx, insights.Query{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if h.Width != 5*time.Minute || !h.Start.Equal(base.Add(5*time.Minute)) || !h.End.Equal(base.Add(4*time.Hour)) {
			t.Errorf("open range = %v..%v width %v", h.Start, h.End, h.Width)
		}

		// Nothing selected and no range: no buckets. Bad queries: InvalidError.
		h, err = s.Histogram(ctx, insights.Query{SearchTerm: "nobody"}, 0)
		if err != nil || len(h.Buckets) != 0 {
			t.Errorf("empty = %+v, %v", h, err)
		}
		if _, err := s.Histogram(ctx, insights.Query{EventTypes: []insights.EventType{"nope"}}, 0); !insights.IsInvalid(err) {
			t.Errorf("unknown type: %v", err)
		}
		if _, err := s.Histogram(ctx, insights.Query{}, insights.MaxBuckets+1); !insights.IsInvalid(err) {
			t.Errorf("too many buckets: %v", err)
		}
		// A long range gets whole days.
		h, err = s.Histogram(ctx, insights.Query{Start: base, End: base.Add(5 * 365 * 24 * time.Hour)}, 10)
		if err != nil || len(h.Buckets) > 10 || h.Width%(24*time.Hour) != 0 {
			t.Errorf("long range = %d buckets of %v, %v", len(h.Buckets), h.Width, err)
		}
	})
}

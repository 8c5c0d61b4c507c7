package insights_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/testenv"
)

var benchTypes = []insights.EventType{insights.UserLoginAttempt, insights.SSOAuth, insights.UserUpdate, insights.UserCreate,
	insights.GroupAddMember, insights.ApplicationUpdate, insights.UserUpdateProvision, insights.AdminAPIKeyAuthFailure,
	insights.GroupRemoveMember, insights.UserDelete}

// benchEvents makes n realistic events spread over the 90 days before end.
func benchEvents(r *rand.Rand, n int, end time.Time) []insights.Event {
	out := make([]insights.Event, n)
	span := int64(90 * 24 * time.Hour)
	for i := range out {
		u := r.IntN(100000)
		out[i] = insights.Event{
			EventType:   benchTypes[r.IntN(len(benchTypes))],
			Timestamp:   end.Add(-time.Duration(r.Int64N(span))),
			ClientIP:    fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256)),
			InitiatedBy: insights.Initiator{ID: "u" + strconv.Itoa(u), Type: "user", Email: fmt.Sprintf("user%d@example.com", u)},
			Success:     r.IntN(10) != 0,
			Resource:    &insights.Resource{ID: "u" + strconv.Itoa(u), Type: "user", Name: fmt.Sprintf("user%d", u)},
			Application: &insights.Application{ID: "app" + strconv.Itoa(r.IntN(50)), Name: "quip", DisplayLabel: "Quip"},
		}
	}
	return out
}

// BenchmarkAppendEvents appends events in batches of 1,000 per transaction
// on SQLite.
func BenchmarkAppendEvents(b *testing.B) {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "db.sqlite"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s := insights.New(db)
	r := rand.New(rand.NewPCG(1, 2))
	const batch = 1000
	evs := benchEvents(r, batch, time.Now())
	for i := range evs {
		evs[i].Timestamp = time.Time{} // stamped on append, as live events are
	}
	n := 0
	start := time.Now()
	for b.Loop() {
		if err := s.RecordBatch(ctx, evs); err != nil {
			b.Fatal(err)
		}
		n += batch
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkQueryEvents reads filtered pages of 100 from JUMPGATE_BENCH_EVENTS
// (default 1,000,000) stored events: one event type, the last 7 days,
// newest first; and the same query's second page through the cursor.
func BenchmarkQueryEvents(b *testing.B) {
	total := 1_000_000
	if v := os.Getenv("JUMPGATE_BENCH_EVENTS"); v != "" {
		total, _ = strconv.Atoi(v)
	}
	b.Run("sqlite", func(b *testing.B) { benchQuery(b, "sqlite:"+filepath.Join(b.TempDir(), "db.sqlite"), total) })
	b.Run("postgres", func(b *testing.B) {
		testenv.PostgresURL(b)
		benchQuery(b, postgresDSNB(b), total)
	})
}

func benchQuery(b *testing.B, dsn string, total int) {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s := insights.New(db)
	end := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(3, 4))
	loadStart := time.Now()
	const chunk = 50_000
	for done := 0; done < total; done += chunk {
		if err := s.RecordBatch(ctx, benchEvents(r, min(chunk, total-done), end)); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Optimize(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d events in %v", total, time.Since(loadStart).Round(time.Millisecond))
	q := insights.Query{EventTypes: []insights.EventType{insights.SSOAuth}, Start: end.Add(-7 * 24 * time.Hour), End: end, Limit: 100}
	first, err := s.Query(ctx, q)
	if err != nil || len(first.Events) != 100 || first.Next == "" {
		b.Fatalf("first page: %d events, %v", len(first.Events), err)
	}
	second := q
	second.SearchAfter = first.Next
	var durs []time.Duration
	for i := 0; b.Loop(); i++ {
		qq := q
		if i%2 == 1 {
			qq = second
		}
		t0 := time.Now()
		p, err := s.Query(ctx, qq)
		durs = append(durs, time.Since(t0))
		if err != nil || len(p.Events) != 100 {
			b.Fatalf("page: %d events, %v", len(p.Events), err)
		}
	}
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	pct := func(p float64) float64 { return float64(durs[int(p*float64(len(durs)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

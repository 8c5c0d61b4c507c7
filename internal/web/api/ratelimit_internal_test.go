package api

import (
	"fmt"
	"testing"
	"time"
)

// The buckets of keys and addresses that have been quiet long enough to be
// full again are forgotten, so a flood from many addresses does not grow the
// map for ever.
func TestLimiterForgetsFullBuckets(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(60, 5, func() time.Time { return now }) // full again 5 s after the last request
	for i := range 1000 {
		if ok, _, _ := l.take(fmt.Sprintf("10.0.%d.%d", i/256, i%256)); !ok {
			t.Fatal("first request of an address refused")
		}
	}
	if len(l.buckets) != 1000 {
		t.Fatalf("%d buckets", len(l.buckets))
	}
	now = now.Add(2 * time.Second)
	l.take("busy")
	if len(l.buckets) != 1001 {
		t.Fatalf("swept before the buckets were full: %d left", len(l.buckets))
	}
	now = now.Add(4 * time.Second)
	l.take("busy")
	if len(l.buckets) != 1 {
		t.Fatalf("%d buckets after the others refilled, want 1 (busy)", len(l.buckets))
	}
}

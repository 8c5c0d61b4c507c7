package loadgen

import (
	"math"
	"time"
)

// histogram counts latencies in logarithmic buckets 2% wide from 1 µs to
// over an hour, so a percentile is exact to within 2% (and never above the
// largest value seen) and memory stays fixed however long a run lasts.
type histogram struct {
	counts [histBuckets]uint64
	n      uint64
	max    time.Duration
	sum    time.Duration
}

const (
	histGrowth  = 1.02
	histBuckets = 1200 // 1.02^1200 µs is far beyond any request timeout
)

var histLogGrowth = math.Log(histGrowth)

func bucketOf(d time.Duration) int {
	us := float64(d) / float64(time.Microsecond)
	if us <= 1 {
		return 0
	}
	i := int(math.Log(us) / histLogGrowth)
	return min(i, histBuckets-1)
}

// bucketTop is the largest latency that falls in bucket i.
func bucketTop(i int) time.Duration {
	return time.Duration(math.Pow(histGrowth, float64(i+1)) * float64(time.Microsecond))
}

func (h *histogram) add(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(d)]++
	h.n++
	h.sum += d
	h.max = max(h.max, d)
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.max = max(h.max, o.max)
}

// quantile returns the latency below which a fraction q of the values
// fall (0 when there are none).
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(bucketTop(i), h.max)
		}
	}
	return h.max
}

func (h *histogram) mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

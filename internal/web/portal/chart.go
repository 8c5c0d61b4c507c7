package portal

import (
	"fmt"
	"math"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/insights"
)

// The chart's frame in SVG user units (the viewBox); the plot area is
// inside the margins.
const (
	chartW      = 800
	chartH      = 260
	chartLeft   = 56
	chartRight  = 784
	chartTop    = 36
	chartBottom = 206
	chartLabels = 8 // at most this many time labels under the bars
)

// chartView is a stacked bar chart of events over time, success below and
// failure on top, drawn by the "chart" template as inline SVG.
type chartView struct {
	W, H                     int
	Left, Right, Top, Bottom int
	Label                    string // the chart's accessible summary
	Width                    string // one slot, in words
	Success, Failure         int64
	Bars                     []chartBar
	YTicks                   []chartTick
	XTicks                   []chartTick
	// Rows are the non-empty slots, for the table under the chart.
	Rows []chartBar
}

type chartBar struct {
	X, W                   float64
	OkY, OkH, FailY, FailH float64
	Start                  time.Time
	Success, Failure       int64
	Title                  string
}

type chartTick struct {
	Pos  float64
	Text string
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// chartStep is a tick step of 1, 2 or 5 × 10^k that splits max in at most
// four steps.
func chartStep(max int64) int64 {
	step := int64(1)
	for {
		for _, m := range []int64{1, 2, 5} {
			if m*step*4 >= max {
				return m * step
			}
		}
		step *= 10
	}
}

// chartSpan names a slot width in words.
func chartSpan(d time.Duration) string {
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return plural(int64(d/(24*time.Hour)), "day")
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int64(d/time.Hour), "hour")
	default:
		return plural(int64(d/time.Minute), "minute")
	}
}

// chartTime formats a slot boundary for labels and tooltips.
func chartTime(t time.Time, width time.Duration) string {
	if width >= 24*time.Hour {
		return t.UTC().Format("2006-01-02")
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// buildChart lays out h; nil when h has no slots.
func buildChart(h *insights.Histogram) *chartView {
	if h == nil || len(h.Buckets) == 0 {
		return nil
	}
	c := &chartView{W: chartW, H: chartH, Left: chartLeft, Right: chartRight, Top: chartTop, Bottom: chartBottom,
		Width: chartSpan(h.Width)}
	var max int64
	for _, b := range h.Buckets {
		c.Success += b.Success
		c.Failure += b.Failure
		if t := b.Success + b.Failure; t > max {
			max = t
		}
	}
	step := chartStep(max)
	top := step * ((max + step - 1) / step)
	if top == 0 {
		top = step
	}
	plotH := float64(chartBottom - chartTop)
	for v := int64(0); v <= top; v += step {
		c.YTicks = append(c.YTicks, chartTick{Pos: round1(chartBottom - float64(v)/float64(top)*plotH), Text: fmt.Sprint(v)})
	}
	n := len(h.Buckets)
	slot := float64(chartRight-chartLeft) / float64(n)
	every := (n + chartLabels - 1) / chartLabels
	lastDay := ""
	for i, b := range h.Buckets {
		end := b.Start.Add(h.Width)
		if end.After(h.End) {
			end = h.End
		}
		bar := chartBar{X: round1(chartLeft + float64(i)*slot + slot*0.1), W: round1(slot * 0.8), Start: b.Start,
			Success: b.Success, Failure: b.Failure,
			Title: fmt.Sprintf("%s – %s UTC: %d succeeded, %d failed", chartTime(b.Start, h.Width), chartTime(end, h.Width), b.Success, b.Failure)}
		bar.OkH = round1(float64(b.Success) / float64(top) * plotH)
		bar.FailH = round1(float64(b.Failure) / float64(top) * plotH)
		bar.OkY = round1(chartBottom - bar.OkH)
		bar.FailY = round1(bar.OkY - bar.FailH)
		c.Bars = append(c.Bars, bar)
		if b.Success+b.Failure > 0 {
			c.Rows = append(c.Rows, bar)
		}
		if i%every == 0 {
			text := b.Start.UTC().Format("Jan 2")
			if h.Width < 24*time.Hour {
				day := text
				text = b.Start.UTC().Format("15:04")
				if day != lastDay {
					text = day + " " + text
					lastDay = day
				}
			}
			c.XTicks = append(c.XTicks, chartTick{Pos: round1(chartLeft + (float64(i)+0.5)*slot), Text: text})
		}
	}
	c.Label = fmt.Sprintf("Events over time, %s UTC to %s UTC, one bar per %s: %d succeeded (green, below), %d failed (red, on top).",
		chartTime(h.Start, h.Width), chartTime(h.End, h.Width), c.Width, c.Success, c.Failure)
	return c
}

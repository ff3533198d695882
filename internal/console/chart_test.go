package console

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
)

func attr(t *testing.T, svg, pattern string) []string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(svg)
	if m == nil {
		t.Fatalf("no %s in\n%s", pattern, svg)
	}
	return m[1:]
}

// Points land on the plot area: the range's start on the left edge, its end on the right, the
// lowest value on the bottom and the highest on top (5 % of the span inside), a NaN a gap.
func TestChartGeometry(t *testing.T) {
	from := now.Add(-time.Hour)
	c := Chart{ID: "c", Title: "budget", Unit: "", From: from, To: now, Lines: []Line{{Name: "l", Color: "#000", Points: []XY{
		{from, 0}, {from.Add(30 * time.Minute), 100}, {from.Add(40 * time.Minute), math.NaN()}, {from.Add(45 * time.Minute), 50},
		{now.Add(time.Hour), 200}, // after the range: clamped to the right edge
	}}}}
	svg := string(c.SVG())
	// y: lo −10, hi 210 (5 % of 200 each side); plot from 12 (top) to 212 (bottom).
	y := func(v float64) float64 { return 212 - (v+10)/220*200 }
	poly := attr(t, svg, `<polyline fill="none" stroke="#000" stroke-width="1.5" points="([^"]+)"/>`)[0]
	if want := "76.0," + f1(y(0)) + " 510.0," + f1(y(100)); poly != want {
		t.Errorf("first segment %q, want %q", poly, want)
	}
	if seg := regexp.MustCompile(` points="([^"]+)"`).FindAllStringSubmatch(svg, -1); len(seg) != 2 || seg[1][1] != "727.0,"+f1(y(50))+" 944.0,"+f1(y(200)) {
		t.Errorf("segments %v: the NaN splits the line; a point past the range sits on the right edge", seg)
	}
	if got := attr(t, svg, `data-name="l" data-points="(\d+)"`)[0]; got != "4" {
		t.Errorf("finite points %s, want 4", got)
	}
	labels := regexp.MustCompile(`text-anchor="end" fill="#555">([^<]+)<`).FindAllStringSubmatch(svg, -1)
	if len(labels) != 4 || labels[0][1] != "-10" || labels[1][1] != "100" || labels[2][1] != "210" {
		t.Errorf("axis labels %v, want -10, 100, 210 and the range's end", labels)
	}
	if !strings.Contains(svg, `<text x="76" y="232" font-size="11" fill="#555">2026-12-03 11:00Z</text>`) {
		t.Errorf("no start label in\n%s", svg)
	}
}

// A lone point is a dot; marks are a dashed line (an instant) or a band at least 2 wide (a span),
// linked when they have a URL; thresholds are dashed lines at their value.
func TestChartMarksThresholdsAndDots(t *testing.T) {
	from := now.Add(-time.Hour)
	c := Chart{ID: "c", Unit: "%", From: from, To: now,
		Lines:      []Line{{Name: "dot", Color: "#111", Points: []XY{{from.Add(15 * time.Minute), 0.5}}}},
		Thresholds: []Threshold{{Label: "objective", Color: "#b00", Value: 1}},
		Marks: []Mark{{Kind: "deployment", Label: "v2", At: from.Add(15 * time.Minute)},
			{Kind: "incident", Label: "inc", URL: "/incidents/x", At: from.Add(30 * time.Minute), End: from.Add(30 * time.Minute)},
			{Kind: "incident", Label: "long", At: from.Add(30 * time.Minute), End: from.Add(45 * time.Minute)}}}
	svg := string(c.SVG())
	// lo 0.475, hi 1.025 (values 0.5 and 1 with 5 % padding).
	y := func(v float64) float64 { return 212 - (v-0.475)/0.55*200 }
	if got := attr(t, svg, `<circle r="2" cx="([^"]+)" cy="([^"]+)"`); got[0] != "293.0" || got[1] != f1(y(0.5)) {
		t.Errorf("dot at %v", got)
	}
	if got := attr(t, svg, `data-value="1"><title>objective</title><line x1="76" x2="944" y1="([^"]+)"`)[0]; got != f1(y(1)) {
		t.Errorf("threshold at y %s, want %s", got, f1(y(1)))
	}
	if got := attr(t, svg, `<g class="mark deployment" data-at="2026-12-03T11:15:00Z"><title>v2</title><line x1="([^"]+)" x2="([^"]+)" y1="12" y2="212"`); got[0] != "293.0" || got[1] != "293.0" {
		t.Errorf("deployment line %v", got)
	}
	if got := attr(t, svg, `<a href="/incidents/x"><g class="mark incident"[^>]*><title>inc</title><rect x="([^"]+)" y="12" width="([^"]+)" height="200"`); got[0] != "510.0" || got[1] != "2.0" {
		t.Errorf("instant incident band %v, want x 510 and the 2-unit minimum", got)
	}
	if got := attr(t, svg, `<title>long</title><rect x="([^"]+)" y="12" width="([^"]+)"`); got[0] != "510.0" || got[1] != "217.0" {
		t.Errorf("incident band %v", got)
	}
	if labels := regexp.MustCompile(`text-anchor="end" fill="#555">([^<]+)<`).FindAllStringSubmatch(svg, 3); labels[0][1] != "47.50 %" || labels[2][1] != "102.5 %" {
		t.Errorf("percent labels %v", labels)
	}
}

func TestYRangeAndLabels(t *testing.T) {
	for _, tc := range []struct {
		values []float64
		lo, hi float64
	}{{nil, 0, 1}, {[]float64{math.NaN()}, 0, 1}, {[]float64{3, 3}, 2, 4}, {[]float64{0, 10}, -0.5, 10.5}} {
		var pts []XY
		for _, v := range tc.values {
			pts = append(pts, XY{now, v})
		}
		if lo, hi := (Chart{Lines: []Line{{Points: pts}}}).yRange(); lo != tc.lo || hi != tc.hi {
			t.Errorf("yRange(%v) = %v, %v; want %v, %v", tc.values, lo, hi, tc.lo, tc.hi)
		}
	}
	if lo, hi := (Chart{Thresholds: []Threshold{{Value: 14.4}}, Lines: []Line{{Points: []XY{{now, 0}, {now, 4.4}}}}}).yRange(); math.Abs(lo+0.72) > 1e-9 || math.Abs(hi-15.12) > 1e-9 {
		t.Errorf("a threshold widens the range: %v %v", lo, hi)
	}
	for v, want := range map[float64]string{0: "0", 0.5: "0.50", 12: "12", -12: "-12", 1500: "1.5k", -2500: "-2.5k", 3.2e6: "3.2M", 999: "999"} {
		if got := formatValue(v, ""); got != want {
			t.Errorf("formatValue(%v) = %q, want %q", v, got, want)
		}
	}
	for v, want := range map[float64]string{0.999: "99.90 %", -0.5: "-50.00 %", 1.5: "150.0 %", -63.4: "-6340 %", 10: "1000 %"} {
		if got := formatValue(v, "%"); got != want {
			t.Errorf("formatValue(%v, %%) = %q, want %q", v, got, want)
		}
	}
	if got := (Chart{From: now, To: now, Lines: []Line{{Name: "x", Points: []XY{{now, 1}, {now, 2}}}}}).SVG(); !strings.Contains(string(got), `points="76.0,`) {
		t.Errorf("an empty range puts every point on the left edge: %s", got)
	}
}

func f1(v float64) string { return fmt.Sprintf("%.1f", v) }

// The frame and the axis labels sit where the plot area is.
func TestChartFrame(t *testing.T) {
	svg := string(Chart{ID: "c", From: now.Add(-time.Hour), To: now,
		Thresholds: []Threshold{{Label: "f", Color: "#b00", Value: 2}}}.SVG())
	for _, want := range []string{
		`<rect x="76" y="12" width="868" height="200" fill="#fcfcfc" stroke="#ccc"/>`,
		`<text x="72" y="216.0" font-size="11" text-anchor="end" fill="#555">1.00</text>`, // lo = 2 − 1
		`<text x="72" y="16.0" font-size="11" text-anchor="end" fill="#555">3.00</text>`,
		`<text x="944" y="232" font-size="11" text-anchor="end" fill="#555">2026-12-03 12:00Z</text>`,
		`<line x1="76" x2="944" y1="112.0" y2="112.0" stroke="#b00" stroke-dasharray="6 3"/>`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("no %s in\n%s", want, svg)
		}
	}
	two := string(Chart{From: now.Add(-time.Hour), To: now, Lines: []Line{{Name: "two", Color: "#111",
		Points: []XY{{now.Add(-time.Hour), 1}, {now, 2}}}}}.SVG())
	if strings.Contains(two, "<circle") || !strings.Contains(two, "<polyline") {
		t.Errorf("two points are a line, not dots:\n%s", two)
	}
	if unlinked := string(Chart{From: now.Add(-time.Hour), To: now, Marks: []Mark{{Kind: "deployment", At: now}}}.SVG()); strings.Contains(unlinked, "<a ") {
		t.Errorf("a mark without a URL is linked:\n%s", unlinked)
	}
}

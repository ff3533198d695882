package console

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
)

// Chart is one time-series chart of the console, drawn as inline SVG.
type Chart struct {
	ID, Title, Unit string
	From, To        time.Time
	Lines           []Line
	Thresholds      []Threshold
	Marks           []Mark
}

// Line is one series of the chart; NaN values are gaps.
type Line struct {
	Name, Color string
	Points      []XY
}

// XY is one point of a line.
type XY struct {
	At    time.Time
	Value float64
}

// Threshold is a horizontal line: an objective, a burn factor.
type Threshold struct {
	Label, Color string
	Value        float64
}

// Mark is an annotation: an instant (a deployment) or a span (an incident, open to resolve).
type Mark struct {
	Kind, Label, URL string
	At, End          time.Time // End is zero for an instant
}

const (
	chartWidth, chartHeight              = 960.0, 240.0
	padLeft, padRight, padTop, padBottom = 76.0, 16.0, 12.0, 28.0
)

// SVG renders the chart. Every text is escaped; nothing in it runs.
func (c Chart) SVG() template.HTML {
	var b strings.Builder
	lo, hi := c.yRange()
	x := func(t time.Time) float64 {
		span := c.To.Sub(c.From).Seconds()
		if span <= 0 {
			return padLeft
		}
		f := min(max(t.Sub(c.From).Seconds()/span, 0), 1)
		return padLeft + f*(chartWidth-padLeft-padRight)
	}
	y := func(v float64) float64 {
		f := (v - lo) / (hi - lo)
		return chartHeight - padBottom - f*(chartHeight-padTop-padBottom)
	}
	fmt.Fprintf(&b, `<svg id="%s" class="chart" role="img" viewBox="0 0 %g %g" width="100%%" preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg"><title>%s</title>`,
		esc(c.ID), chartWidth, chartHeight, esc(c.Title))
	fmt.Fprintf(&b, `<rect x="%g" y="%g" width="%g" height="%g" fill="#fcfcfc" stroke="#ccc"/>`, padLeft, padTop, chartWidth-padLeft-padRight, chartHeight-padTop-padBottom)
	for _, v := range []float64{lo, (lo + hi) / 2, hi} {
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" font-size="11" text-anchor="end" fill="#555">%s</text>`, padLeft-4, y(v)+4, esc(formatValue(v, c.Unit)))
	}
	fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="11" fill="#555">%s</text>`, padLeft, chartHeight-8, esc(c.From.UTC().Format("2006-01-02 15:04Z")))
	fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="11" text-anchor="end" fill="#555">%s</text>`, chartWidth-padRight, chartHeight-8, esc(c.To.UTC().Format("2006-01-02 15:04Z")))
	for _, m := range c.Marks {
		c.writeMark(&b, m, x)
	}
	for _, t := range c.Thresholds { // yRange spans every threshold
		fmt.Fprintf(&b, `<g class="threshold" data-value="%s"><title>%s</title><line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="6 3"/></g>`,
			strconv.FormatFloat(t.Value, 'g', -1, 64), esc(t.Label), padLeft, chartWidth-padRight, y(t.Value), y(t.Value), esc(t.Color))
	}
	for _, l := range c.Lines {
		fmt.Fprintf(&b, `<g class="line" data-name="%s" data-points="%d"><title>%s</title>`, esc(l.Name), countFinite(l.Points), esc(l.Name))
		var seg []string
		flush := func() {
			if len(seg) == 1 {
				fmt.Fprintf(&b, `<circle r="2" cx="%s" fill="%s"/>`, strings.Replace(seg[0], ",", `" cy="`, 1), esc(l.Color))
			} else if len(seg) > 1 {
				fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`, esc(l.Color), strings.Join(seg, " "))
			}
			seg = seg[:0]
		}
		for _, p := range l.Points {
			if !finite(p.Value) {
				flush()
				continue
			}
			seg = append(seg, fmt.Sprintf("%.1f,%.1f", x(p.At), y(min(max(p.Value, lo), hi))))
		}
		flush()
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every interpolated text went through esc
}

func (c Chart) writeMark(b *strings.Builder, m Mark, x func(time.Time) float64) {
	open := ""
	if m.URL != "" {
		open = fmt.Sprintf(`<a href="%s">`, esc(m.URL))
	}
	b.WriteString(open)
	fmt.Fprintf(b, `<g class="mark %s" data-at="%s"><title>%s</title>`, esc(m.Kind), m.At.UTC().Format(time.RFC3339), esc(m.Label))
	if m.End.IsZero() {
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%g" y2="%g" stroke="#36c" stroke-width="2" stroke-dasharray="2 2"/>`, x(m.At), x(m.At), padTop, chartHeight-padBottom)
	} else {
		x0, x1 := x(m.At), x(m.End)
		color := "#d33"
		if m.Kind == "maintenance" {
			color = "#888"
		}
		fmt.Fprintf(b, `<rect x="%.1f" y="%g" width="%.1f" height="%g" fill="%s" fill-opacity="0.15" stroke="%s"/>`, x0, padTop, max(x1-x0, 2), chartHeight-padTop-padBottom, color, color)
	}
	b.WriteString(`</g>`)
	if open != "" {
		b.WriteString(`</a>`)
	}
}

// yRange spans every finite value and threshold, with room above and below.
func (c Chart) yRange() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, l := range c.Lines {
		for _, p := range l.Points {
			if finite(p.Value) {
				lo, hi = min(lo, p.Value), max(hi, p.Value)
			}
		}
	}
	for _, t := range c.Thresholds {
		lo, hi = min(lo, t.Value), max(hi, t.Value)
	}
	switch {
	case lo > hi:
		return 0, 1
	case lo == hi:
		return lo - 1, hi + 1
	}
	pad := (hi - lo) * 0.05
	return lo - pad, hi + pad
}

func countFinite(points []XY) (n int) {
	for _, p := range points {
		if finite(p.Value) {
			n++
		}
	}
	return n
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func esc(s string) string { return html.EscapeString(s) }

// formatValue writes an axis label: a percentage for ratios, a count or a rate otherwise.
func formatValue(v float64, unit string) string {
	if unit == "%" {
		prec := 2
		switch a := math.Abs(100 * v); {
		case a >= 1000:
			prec = 0
		case a >= 100:
			prec = 1
		}
		return strconv.FormatFloat(100*v, 'f', prec, 64) + " %"
	}
	switch a := math.Abs(v); {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 1, 64) + "M"
	case a >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
	case a >= 10 || a == 0:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

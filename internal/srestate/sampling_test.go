package srestate

import (
	"fmt"
	"testing"
	"time"
)

func TestSamplingStatsSumAcrossSamplersAndAreBounded(t *testing.T) {
	b := NewBoard(Limits{})
	if _, ok := b.Sampling(); ok {
		t.Fatal("sampling stats before any sampler published")
	}
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	b.PublishSampling("a", SamplingStats{DecidedSpans: 100, KeptSpans: 10, Since: t0.Add(time.Minute), Updated: t0.Add(2 * time.Minute)})
	b.PublishSampling("b", SamplingStats{DecidedSpans: 50, KeptSpans: 5, Since: t0, Updated: t0.Add(time.Minute)})
	b.PublishSampling("a", SamplingStats{DecidedSpans: 200, KeptSpans: 20, Since: t0.Add(time.Minute), Updated: t0.Add(3 * time.Minute)}) // replaces
	s, ok := b.Sampling()
	if !ok || s.DecidedSpans != 250 || s.KeptSpans != 25 || !s.Since.Equal(t0) || !s.Updated.Equal(t0.Add(3*time.Minute)) {
		t.Errorf("sum %+v (%v)", s, ok)
	}
	for i := range 2 * maxSamplers {
		b.PublishSampling(fmt.Sprint("s", i), SamplingStats{DecidedSpans: 1})
	}
	if n := len(b.sampling); n != maxSamplers {
		t.Errorf("%d samplers held, bound %d", n, maxSamplers)
	}
	// A known source still updates at the bound.
	b.PublishSampling("a", SamplingStats{DecidedSpans: 1000})
	if b.sampling["a"].DecidedSpans != 1000 {
		t.Error("a known sampler refused at the bound")
	}
}

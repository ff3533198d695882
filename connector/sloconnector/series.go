package sloconnector

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/window"
	"github.com/otelcol-sre/otelcol-sre/internal/incident"
	"github.com/otelcol-sre/otelcol-sre/internal/label"
	"github.com/otelcol-sre/otelcol-sre/internal/slonames"
)

// Attribute names on every emitted series.
const (
	attrSLOName      = slonames.SLOName
	attrService      = slonames.Service
	attrOutcome      = slonames.Outcome
	attrWindow       = slonames.Window
	attrSeverity     = slonames.Severity
	attrOverflow     = slonames.Overflow
	attrInstanceID   = slonames.InstanceID
	attrConnector    = slonames.Connector
	attrPeriodStart  = slonames.PeriodStart
	attrObjectiveMet = slonames.ObjectiveMet
	maxExemplars     = 5
	overflowKey      = "\xff overflow"
)

var reservedAttributes = map[string]bool{
	attrSLOName: true, attrService: true, attrOutcome: true, attrWindow: true,
	attrSeverity: true, attrOverflow: true, attrInstanceID: true, attrConnector: true,
	attrPeriodStart: true, attrObjectiveMet: true,
}

// sloRuntime is one configured SLO with its series.
type sloRuntime struct {
	cfg        SLO
	spec       window.Spec
	classifier *classifier
	hash       string
	series     map[string]*series
	limit      int
	severities map[string]bool // the alert severities that have tiers

	liftBucket  time.Duration // one lift-table bucket, when incidents are tracked
	liftRotated time.Time

	// evidenced holds the keys of the series that keep incident evidence, so planning, which
	// runs without the lock, reads the lift values of a good event only where they are counted.
	evidenced sync.Map

	maintenance *sloMaintenance
	corrected   map[string]bool // one-off windows already seen or applied as corrections, by correctionID
}

// series is one group_by combination of an SLO.
type series struct {
	attrs     [][2]string // service.name, then group_by values, as emitted
	state     *window.Series
	start     pcommon.Timestamp
	exemplars []exemplar
	evidence  *seriesEvidence    // lift table and recent bad traces, when incidents are tracked
	pulse     incident.Pulse     // the events since the last emit, when incidents are tracked
	emitted   window.Counts      // Total at the last emit, for the history's events per step
	excluded  map[string]float64 // weighted excluded events by reason, since the series started
}

type exemplar struct {
	traceID pcommon.TraceID
	spanID  pcommon.SpanID
	at      pcommon.Timestamp
	weight  float64
}

func newRuntime(top *Config, cfg SLO) (*sloRuntime, error) {
	spec, err := cfg.spec(top.MaxLateness)
	if err != nil {
		return nil, err
	}
	cls, err := compileSLI(cfg.SLI)
	if err != nil {
		return nil, err
	}
	maint, err := buildMaintenance(top, cfg)
	if err != nil {
		return nil, err
	}
	severities := map[string]bool{}
	for _, t := range spec.Tiers {
		severities[t.Severity] = true
	}
	return &sloRuntime{cfg: cfg, spec: spec, classifier: cls, hash: definitionHash(cfg), series: map[string]*series{},
		limit: top.CardinalityLimit, severities: severities, maintenance: maint, corrected: map[string]bool{}}, nil
}

// definitionHash identifies what the stored windows mean: a change of conditions, objective,
// period, budgeting or grouping makes the stored state meaningless for the new definition.
func definitionHash(cfg SLO) string {
	b, _ := json.Marshal(struct {
		Service, Valid, Good, Bad, Exclude, Budgeting, Profile string
		Latency                                                *Latency
		Objective                                              float64
		Window                                                 Window
		Timeslice                                              Timeslice
		GroupBy                                                []string
	}{cfg.Service, cfg.SLI.Valid, cfg.SLI.Good, cfg.SLI.Bad, cfg.SLI.Exclude, cfg.BudgetingMethod, cfg.Alerting.Profile,
		cfg.SLI.Latency, cfg.Objective, cfg.Window, cfg.Timeslice, cfg.GroupBy})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// appendSeriesKey appends the span's series key to keyBuf: service, then every group_by value.
// service and every group_by value are bounded by labels, so a series key is as short as the
// labels it emits. It reads only the span, so it runs before the ingest lock.
func (r *sloRuntime) appendSeriesKey(keyBuf []byte, service string, resAttrs pcommon.Map, span ptrace.Span, labels *label.Bounder) []byte {
	keyBuf = append(keyBuf, service...)
	for _, k := range r.cfg.GroupBy {
		keyBuf = append(keyBuf, 0)
		if v, ok := span.Attributes().Get(k); ok {
			keyBuf = append(keyBuf, labels.Bound(v.AsString())...)
		} else if v, ok := resAttrs.Get(k); ok {
			keyBuf = append(keyBuf, labels.Bound(v.AsString())...)
		} else {
			keyBuf = append(keyBuf, 0xff) // missing differs from empty
		}
	}
	return keyBuf
}

// seriesAt finds or creates the series of key, which appendSeriesKey made from span. Past the
// cardinality limit every new combination lands in one overflow series, and overflowed is
// true. The caller holds c.mu.
func (r *sloRuntime) seriesAt(key, service string, resAttrs pcommon.Map, span ptrace.Span, labels *label.Bounder, now pcommon.Timestamp) (s *series, overflowed bool) {
	if s, ok := r.series[key]; ok {
		return s, false
	}
	if len(r.series) >= r.limit {
		if s, ok := r.series[overflowKey]; ok {
			return s, true
		}
		return r.newSeries(overflowKey, [][2]string{{attrService, r.cfg.Service}, {attrOverflow, "true"}}, now), true
	}
	attrs := [][2]string{{attrService, service}}
	for _, k := range r.cfg.GroupBy {
		if v, ok := span.Attributes().Get(k); ok {
			attrs = append(attrs, [2]string{k, labels.Bound(v.AsString())})
		} else if v, ok := resAttrs.Get(k); ok {
			attrs = append(attrs, [2]string{k, labels.Bound(v.AsString())})
		}
	}
	return r.newSeries(key, attrs, now), false
}

func (r *sloRuntime) newSeries(key string, attrs [][2]string, now pcommon.Timestamp) *series {
	s := &series{attrs: attrs, state: window.NewSeries(r.spec), start: now}
	r.series[key] = s
	return s
}

// exclude counts a valid event that a window or sli.exclude leaves out.
func (s *series) exclude(reason string, weight float64) {
	if s.excluded == nil {
		s.excluded = map[string]float64{}
	}
	s.excluded[reason] += weight
}

// service is the series' service.name.
func (s *series) service() string {
	for _, kv := range s.attrs {
		if kv[0] == attrService {
			return kv[1]
		}
	}
	return ""
}

func (s *series) addExemplar(span ptrace.Span, weight float64) {
	if len(s.exemplars) < maxExemplars {
		s.exemplars = append(s.exemplars, exemplar{traceID: span.TraceID(), spanID: span.SpanID(), at: span.EndTimestamp(), weight: weight})
	}
}

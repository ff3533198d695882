package sresamplingprocessor

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelcol-sre/otelcol-sre/processor/sresamplingprocessor/internal/decide"
	"github.com/otelcol-sre/otelcol-sre/processor/sresamplingprocessor/internal/policy"
)

// samplingPolicy adapts the rules and the throughput controller to the decision engine.
type samplingPolicy struct {
	rules      policy.Rules
	controller *policy.Controller
	// boosted flags the keys whose service is boosted by budget_aware, at boostRatio; nil
	// without budget_aware. The run goroutine writes them, decisions read them.
	boosted    []atomic.Bool
	boostRatio float64
}

func newSamplingPolicy(cfg *Config) *samplingPolicy {
	p := &samplingPolicy{controller: policy.NewController(policy.Config{
		Ratio: cfg.Ratio, TargetSpansPerSecond: cfg.TargetSpansPerSecond,
		MaxSpansPerSecond: cfg.MaxSpansPerSecond, MinErrorRatio: cfg.MinErrorRatio, MaxKeys: cfg.MaxKeys,
	})}
	for _, r := range cfg.Rules {
		rule := policy.Rule{Action: policy.Keep, Ratio: r.Ratio}
		if r.Action == "drop" {
			rule = policy.Rule{Action: policy.Drop}
		}
		p.rules = append(p.rules, rule)
	}
	if ba := cfg.budgetAware(); ba != nil {
		p.boosted = make([]atomic.Bool, cfg.MaxKeys)
		p.boostRatio = ba.RatioWhenBurning
	}
	for range cfg.KeepWhen { // keep_when conditions are keep-all rules after the others
		p.rules = append(p.rules, policy.Rule{Action: policy.Keep})
	}
	return p
}

// OrdinaryRatio is the ratio in force for an ordinary trace of key: the controller's, raised
// to ratio_when_burning while the key's service is boosted.
func (p *samplingPolicy) OrdinaryRatio(key uint32) float64 {
	r := p.controller.Ratio(key)
	if int(key) < len(p.boosted) && p.boosted[key].Load() {
		return max(r, p.boostRatio)
	}
	return r
}
func (p *samplingPolicy) EvidenceRatio() float64 { return p.controller.EvidenceRatio() }
func (p *samplingPolicy) DropIsFinal(i int) bool { return p.rules.DropIsFinal(i) }

func (p *samplingPolicy) Rule(i int) (drop, keepsAll bool, ratio float64) {
	r := p.rules[i]
	return r.Action == policy.Drop, r.KeepsAll(), r.Ratio
}

func (p *samplingPolicy) Decided(d *decide.Decision, key uint32) {
	if d.Rule != decide.NoRule {
		p.controller.CountFixed(d.Spans, d.Verdict.Ratio)
		return
	}
	p.controller.CountOrdinary(key, d.Spans)
}

// boostCheckInterval paces reading the board: alert state changes once per connector emit.
const boostCheckInterval = time.Second

// updateBoost applies the board's burning services to the boost and flags their keys. Keys
// interned since the last tick get their flag at the next one.
func (p *sreSampling) updateBoost(ctx context.Context, now time.Time) {
	if p.boost == nil || p.board == nil || now.Sub(p.boostChecked) < boostCheckInterval {
		return
	}
	p.boostChecked = now
	changes := p.boost.Update(p.board.Burning(p.boostPage, p.boostTicket), now)
	for _, ch := range changes {
		v := int64(0)
		if ch.Boosted {
			v = 1
			p.logger.Info("SLO burning: sampling the service's ordinary traces at ratio_when_burning",
				zap.String("service", ch.Service), zap.Float64("ratio", p.boost.Ratio))
		} else {
			p.logger.Info("SLO recovered and cooldown passed: the service's ratio is back", zap.String("service", ch.Service))
		}
		p.telemetry.ProcessorSreSamplingBoosted.Record(ctx, v, metric.WithAttributes(attribute.String("service", ch.Service)))
	}
	if len(changes) == 0 && len(p.boost.Boosted()) == 0 {
		return // every flag is already down
	}
	ctl := p.policy.controller
	for k := range min(ctl.Keys(), len(p.policy.boosted)) {
		service, _, _ := strings.Cut(ctl.KeyName(uint32(k)), "\x00")
		p.policy.boosted[k].Store(p.boost.Active(service))
	}
}

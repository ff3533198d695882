package sresamplingprocessor

import (
	"github.com/otelcol-sre/otelcol-sre/processor/sresamplingprocessor/internal/decide"
	"github.com/otelcol-sre/otelcol-sre/processor/sresamplingprocessor/internal/policy"
)

// samplingPolicy adapts the rules and the throughput controller to the decision engine.
type samplingPolicy struct {
	rules      policy.Rules
	controller *policy.Controller
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
	for range cfg.KeepWhen { // keep_when conditions are keep-all rules after the others
		p.rules = append(p.rules, policy.Rule{Action: policy.Keep})
	}
	return p
}

func (p *samplingPolicy) OrdinaryRatio(key uint32) float64 { return p.controller.Ratio(key) }
func (p *samplingPolicy) EvidenceRatio() float64           { return p.controller.EvidenceRatio() }
func (p *samplingPolicy) DropIsFinal(i int) bool           { return p.rules.DropIsFinal(i) }

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

// Package stats holds the estimators that decide whether telemetry is evidence: the slo
// connector's alert tiers and incident intervals judge a burn with the same bound.
package stats

import "math"

// ZScore is the standard normal quantile of a two-sided interval at confidence c:
// 1.96 for 0.95.
func ZScore(c float64) float64 { return math.Sqrt2 * math.Erfinv(c) }

// WilsonLower is the lower bound of the Wilson score interval of bad ÷ valid at z (Wilson
// 1927): (p + z²/2n − z·√(p(1−p)/n + z²/4n²)) ÷ (1 + z²/n). Unlike the normal
// approximation it stays in [0, 1] and is meaningful for few events and for p near 0 or 1:
// 3 bad of 227 (1.3 %) has a lower bound of 0.45 %, n of n bad has n ÷ (n + z²). It is 0
// without valid events; with z ≤ 0 it is the point estimate.
func WilsonLower(bad, valid, z float64) float64 {
	if !(valid > 0) || math.IsInf(valid, 0) {
		return 0
	}
	p := min(max(bad/valid, 0), 1)
	z = max(z, 0) // z = 0 reduces the bound to p itself
	z2 := z * z
	centre := p + z2/(2*valid)
	spread := z * math.Sqrt(p*(1-p)/valid+z2/(4*valid*valid))
	return max((centre-spread)/(1+z2/valid), 0)
}

package score

import "fmt"

// The canonical pillars every check belongs to.
const (
	Reliability           = "reliability"
	Security              = "security"
	CostOptimization      = "cost_optimization"
	PerformanceEfficiency = "performance_efficiency"
	OperationalExcellence = "operational_excellence"
	Sustainability        = "sustainability"
)

// CanonicalPillars in display order.
var CanonicalPillars = []string{OperationalExcellence, Security, Reliability, PerformanceEfficiency, CostOptimization, Sustainability}

// FrameworkPillar is one pillar of a framework and the canonical pillars it is computed from.
type FrameworkPillar struct {
	Name  string
	Label string
	From  []string
}

// Frameworks maps each framework to its pillars. The names follow each vendor; the content is a
// telemetry-derived mapping, not an official assessment. Azure has no sustainability pillar;
// Google Cloud's sustainability guidance is listed alongside its five pillars.
var Frameworks = map[string][]FrameworkPillar{
	"aws": {
		{"operational_excellence", "Operational Excellence", []string{OperationalExcellence}},
		{"security", "Security", []string{Security}},
		{"reliability", "Reliability", []string{Reliability}},
		{"performance_efficiency", "Performance Efficiency", []string{PerformanceEfficiency}},
		{"cost_optimization", "Cost Optimization", []string{CostOptimization}},
		{"sustainability", "Sustainability", []string{Sustainability}},
	},
	"azure": {
		{"reliability", "Reliability", []string{Reliability}},
		{"security", "Security", []string{Security}},
		{"cost_optimization", "Cost Optimization", []string{CostOptimization, Sustainability}},
		{"operational_excellence", "Operational Excellence", []string{OperationalExcellence}},
		{"performance_efficiency", "Performance Efficiency", []string{PerformanceEfficiency}},
	},
	"gcp": {
		{"operational_excellence", "Operational excellence", []string{OperationalExcellence}},
		{"security_privacy_compliance", "Security, privacy, and compliance", []string{Security}},
		{"reliability", "Reliability", []string{Reliability}},
		{"cost_optimization", "Cost optimization", []string{CostOptimization}},
		{"performance_optimization", "Performance optimization", []string{PerformanceEfficiency}},
		{"sustainability", "Sustainability", []string{Sustainability}},
	},
}

// ValidateFramework names an unknown framework.
func ValidateFramework(name string) error {
	if _, ok := Frameworks[name]; !ok {
		return fmt.Errorf("framework %q: must be aws, azure or gcp", name)
	}
	return nil
}

// Project scores a framework pillar from the canonical pillar results: the union of their
// checks, re-aggregated, so coverage and key gating carry over unchanged. It keeps the totals
// only: the checks are listed with their canonical pillar.
func Project(fp FrameworkPillar, canonical map[string][]Check, th Thresholds, minCoverage float64) PillarResult {
	n := 0
	for _, p := range fp.From {
		n += len(canonical[p])
	}
	checks := make([]Check, 0, n)
	for _, p := range fp.From {
		checks = append(checks, canonical[p]...)
	}
	return scorePillar(fp.Name, checks, th, minCoverage, false)
}

// FrameworkScore is the simple mean of the pillar scores that have data (Azure Advisor's
// overall score); ok is false when none has.
func FrameworkScore(pillars []PillarResult) (float64, bool) {
	var sum float64
	n := 0
	for _, p := range pillars {
		if p.Status != InsufficientData {
			sum += p.Score
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

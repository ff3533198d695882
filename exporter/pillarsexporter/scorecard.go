package pillarsexporter

import (
	"html/template"
	"time"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/standards"
	"github.com/otelcol-sre/otelcol-sre/internal/console"
)

// Disclaimer is stated on every output: the scores map telemetry onto the frameworks.
const Disclaimer = "Telemetry-derived mapping onto each framework, computed from what flows through this gateway; not an official AWS, Azure or Google Cloud assessment."

// Scorecard is one evaluation, as served on /scorecard.json and rendered on /scorecard.
type Scorecard struct {
	Disclaimer  string          `json:"disclaimer"`
	EvaluatedAt time.Time       `json:"evaluated_at"`
	Thresholds  map[string]any  `json:"thresholds"`
	Services    []ServiceResult `json:"services"`
	Limits      Limits          `json:"limits"`
	// Frameworks are the standards views (NIST CSF 2.0, ISO 27001, FinOps, DORA, Google SRE),
	// by framework ID, over every service, without the controls' titles; standards has them,
	// for the /standards pages.
	Frameworks map[string]standards.View `json:"frameworks"`
	standards  map[string]standards.View
	// PagerLoad is pages per 12-hour shift per on-call rotation; CostBudgets the budgets'
	// forecasts (estimates, never billed cost).
	PagerLoad   []standards.ShiftLoad `json:"pager_load"`
	CostBudgets []BudgetJSON          `json:"cost_budgets"`
	// StandardsChecks explains the standards views' own checks: pass rule, fix and the
	// controls each evidences.
	StandardsChecks []StandardsCheckJSON `json:"standards_checks"`
	// Page is set on responses: which of the ranked services this one holds.
	Page *Page `json:"page,omitempty"`
}

// Limits says how close the scorer is to its bound on service identities and what it has shed.
type Limits struct {
	Services        int    `json:"services"`
	MaxServices     int    `json:"max_services"`
	EvictedIdle     uint64 `json:"evicted_idle_services"`
	RefusedServices uint64 `json:"refused_new_services"`
	DroppedPoints   uint64 `json:"dropped_non_finite_points"`
	// RefusedSLOPoints are slo.* points that did not come from an slo connector.
	RefusedSLOPoints uint64 `json:"refused_slo_points"`
	// TruncatedLabels are identity values cut to max_label_length.
	TruncatedLabels uint64 `json:"truncated_label_values"`
	// RefusedSeries are resource metric points of series beyond the 256 one service keeps.
	RefusedSeries uint64 `json:"refused_resource_series_points"`
}

// ServiceResult is one service identity's scores.
type ServiceResult struct {
	labels      []string           // identity values in service_identity order, for /metrics
	deployments []score.Deployment // de-duplicated, for the incident timelines on the board
	Identity    map[string]string  `json:"identity"`
	Tier        string             `json:"tier,omitempty"`
	Frameworks  []FrameworkResult  `json:"frameworks"`
	Checks      []CheckJSON        `json:"checks"`
	Dora        DoraJSON           `json:"dora"`
	Maturity    MaturityJSON       `json:"maturity"`
	// ErrorBudgets is each SLO's remaining budget as the slo connector last reported it
	// (slo.error_budget.remaining), or this replica's estimate from a sharded connector.
	ErrorBudgets map[string]float64 `json:"error_budget_remaining"`
	// Standards are the service's findings for the standards views.
	Standards []standards.Finding `json:"standards_findings"`
}

// StandardsCheckJSON is one check of the standards views.
type StandardsCheckJSON struct {
	ID          string              `json:"id"`
	Pass        string              `json:"pass_rule"`
	Remediation string              `json:"remediation"`
	References  map[string][]string `json:"references"`
}

// BudgetJSON is one monthly cost budget's forecast.
type BudgetJSON struct {
	Name     string             `json:"name"`
	Service  string             `json:"service,omitempty"`
	Currency string             `json:"currency"`
	Forecast standards.Forecast `json:"forecast"`
	Status   standards.Status   `json:"status"`
	Evidence string             `json:"evidence"`
}

// FrameworkResult is one framework's pillars.
type FrameworkResult struct {
	Framework string       `json:"framework"`
	Score     *float64     `json:"score"`
	Pillars   []PillarJSON `json:"pillars"`
}

// PillarJSON is one pillar: score (absent without data), status and coverage, and its checks.
type PillarJSON struct {
	Pillar   string   `json:"pillar"`
	Label    string   `json:"label"`
	Score    *float64 `json:"score"`
	Status   string   `json:"status"`
	Coverage float64  `json:"coverage"`
	// HighRisk and MediumRisk are the AWS Well-Architected Tool's view beside the score.
	HighRisk   int      `json:"high_risk_checks"`
	MediumRisk int      `json:"medium_risk_checks"`
	Checks     []string `json:"checks"`
}

// CheckJSON explains one check.
type CheckJSON struct {
	ID          string     `json:"id"`
	Pillar      string     `json:"pillar"`
	Formula     string     `json:"formula"`
	Remediation string     `json:"remediation"`
	References  score.Refs `json:"references"`
	// StandardsReferences are the controls this check evidences, by framework (nist_csf_2, …).
	StandardsReferences map[string][]string `json:"standards_references,omitempty"`
	Inputs              []string            `json:"inputs"`
	Value               *float64            `json:"value"`
	Score               *float64            `json:"score"`
	Result              string              `json:"result"`
	Method              string              `json:"method"`
	Good                float64             `json:"good"`
	Bad                 float64             `json:"bad"`
	Weight              float64             `json:"weight"`
	Key                 bool                `json:"key"`
	PotentialIncrease   float64             `json:"potential_increase"`
	Exemplars           []string            `json:"exemplar_trace_ids"`
	Reason              string              `json:"reason,omitempty"`
}

// DoraJSON carries the four keys with their inputs.
type DoraJSON struct {
	Table               string   `json:"table"`
	Deployments         int      `json:"deployments"`
	DeploymentFrequency float64  `json:"deployment_frequency_per_day"`
	LeadTimeSeconds     *float64 `json:"lead_time_seconds"`
	ChangeFailureRate   *float64 `json:"change_failure_rate"`
	FailedDeployments   int      `json:"failed_deployments"`
	// ReworkDeployments are rollbacks; ReworkRate is their share of all deployments.
	ReworkDeployments   int               `json:"rework_deployments"`
	ReworkRate          *float64          `json:"rework_rate"`
	ObservedDays        float64           `json:"observed_days"`
	RejectedCommitTimes int               `json:"rejected_commit_times"`
	RecoveryTimeSeconds *float64          `json:"recovery_time_seconds"`
	Level               string            `json:"level"`
	LevelByKey          map[string]string `json:"level_by_key"`
}

// MaturityJSON is the SRE maturity level with each criterion.
type MaturityJSON struct {
	Level    int             `json:"level"`
	Criteria []CriterionJSON `json:"criteria"`
}

// CriterionJSON is one rung of the ladder.
type CriterionJSON struct {
	Level    int    `json:"level"`
	ID       string `json:"id"`
	Met      bool   `json:"met"`
	Evidence string `json:"evidence"`
}

func ptr(v float64) *float64 { return &v }

var scorecardPage = template.Must(template.New("scorecard").Funcs(template.FuncMap{
	"pct": func(f *float64) string {
		if f == nil {
			return "—"
		}
		return template.HTMLEscapeString(formatFloat(*f, 1))
	},
	"add": func(a, b int) int { return a + b },
	"num": func(f *float64) string {
		if f == nil {
			return "—"
		}
		return formatFloat(*f, 4)
	},
	"dur": func(f *float64) string {
		if f == nil {
			return "none measured"
		}
		return (time.Duration(*f) * time.Second).String()
	},
	"ratio":      func(f float64) string { return formatFloat(100*f, 0) + "%" },
	"thresholds": func(c CheckJSON) bool { return c.Method != "band" && c.Method != "verdict" && c.Method != "ratio" },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>otelcol-sre scorecard</title>
<style>` + console.Style + `</style></head><body>` + string(console.Nav("scorecard")) + `
<h1>Well-Architected scorecard</h1>
<p class="note">{{.Disclaimer}} Evaluated {{.EvaluatedAt.Format "2006-01-02 15:04:05 MST"}}. Pillar scores are 0–100: pass from
{{index .Thresholds "pass"}}, warning from {{index .Thresholds "warning"}}. Checks are measured over the last {{index .Thresholds "window"}}
and need {{index .Thresholds "min_events"}} events; with fewer they are insufficient_data and neither pass nor fail.</p>
{{with .Page}}<p class="note" data-page-total="{{.Total}}">Services {{.Offset}}–{{add .Offset (len $.Services)}} of {{.Total}}, worst first{{if .Service}}, service.name={{.Service}}{{end}}.
{{if .Next}}<a href="{{.Next}}">Next {{.Limit}}</a>{{end}}</p>{{end}}
{{range .Services}}
<h2>Service {{range $k, $v := .Identity}}{{$k}}={{$v}} {{end}}{{if .Tier}}<span class="note">(tier {{.Tier}})</span>{{end}}</h2>
<p>SRE maturity level <strong data-maturity="{{.Maturity.Level}}">{{.Maturity.Level}}</strong> of 4 ·
DORA level <strong>{{if .Dora.Level}}{{.Dora.Level}}{{else}}insufficient_data{{end}}</strong> ({{.Dora.Table}}, {{printf "%.1f" .Dora.ObservedDays}} days observed):
{{.Dora.Deployments}} deployments, {{printf "%.2f" .Dora.DeploymentFrequency}}/day, lead time {{dur .Dora.LeadTimeSeconds}},
change failure rate {{num .Dora.ChangeFailureRate}}, time to restore {{dur .Dora.RecoveryTimeSeconds}}</p>
{{range .Frameworks}}{{$fw := .Framework}}
<h3>{{.Framework}} — {{pct .Score}}</h3>
<table><tr><th>pillar</th><th>score</th><th>status</th><th>high / medium risk</th><th>coverage</th><th>checks</th></tr>
{{range .Pillars}}<tr class="{{.Status}}" data-framework="{{$fw}}" data-pillar="{{.Pillar}}"><td>{{.Label}}</td><td>{{pct .Score}}</td><td class="status">{{.Status}}</td><td>{{.HighRisk}} / {{.MediumRisk}}</td><td>{{ratio .Coverage}}</td><td>{{range .Checks}}<code>{{.}}</code> {{end}}</td></tr>
{{end}}</table>
{{end}}
<p class="note">Checks, largest potential score increase first.</p>
<table><tr><th>check</th><th>inputs</th><th>value</th><th>thresholds (good / bad)</th><th>weight</th><th>result</th><th>potential increase</th><th>fix</th><th>exemplar traces</th></tr>
{{range .Checks}}<tr class="{{.Result}}" data-check="{{.ID}}"><td><code>{{.ID}}</code>{{if .Key}} (key){{end}}<br><span class="note">{{.Formula}}</span></td>
<td>{{range .Inputs}}{{.}}<br>{{end}}{{if .Reason}}<em>{{.Reason}}</em>{{end}}</td><td>{{num .Value}}</td><td>{{if thresholds .}}{{.Method}} {{.Good}} / {{.Bad}}{{else}}{{.Method}}{{end}}</td><td>{{.Weight}}</td>
<td>{{.Result}} {{if .Score}}({{num .Score}}){{end}}</td><td>{{printf "%.1f" .PotentialIncrease}}</td>
<td>{{.Remediation}}<br><span class="ref">AWS {{.References.AWS}} · Azure {{.References.Azure}} · Google Cloud {{.References.GCP}}{{range $fw, $ids := .StandardsReferences}} · {{$fw}} {{range $ids}}{{.}} {{end}}{{end}}</span></td>
<td>{{range .Exemplars}}<code>{{.}}</code><br>{{end}}</td></tr>
{{end}}</table>
<table><tr><th>maturity criterion</th><th>level</th><th>met</th><th>evidence</th></tr>
{{range .Maturity.Criteria}}<tr class="{{if .Met}}pass{{else}}fail{{end}}"><td>{{.ID}}</td><td>{{.Level}}</td><td>{{.Met}}</td><td>{{.Evidence}}</td></tr>{{end}}
</table>
{{else}}<p>No telemetry with a <code>service.name</code> has arrived yet.</p>{{end}}
</body></html>
`))

package pillarsexporter

import (
	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// boardIncidents groups the board's incidents by service.name for DORA: with a state extension
// they replace the incidents pillars would derive from slo.alert.active itself.
func (p *pillars) boardIncidents() map[string][]score.Incident {
	if p.board == nil {
		return nil
	}
	out := map[string][]score.Incident{}
	for _, inc := range p.board.Incidents() {
		// One per episode: each page is a failure after the deployment before it. Per-service
		// lists, as the deployments they are matched with: no service on the record.
		if len(inc.Episodes) == 0 {
			out[inc.Service] = append(out[inc.Service], score.Incident{Start: inc.Start, Resolved: inc.Resolved, Recovered: inc.Recovered})
		}
		for _, e := range inc.Episodes {
			out[inc.Service] = append(out[inc.Service], score.Incident{Start: e.Start, Resolved: e.Resolved, Recovered: e.Recovered})
		}
	}
	return out
}

// publishDeployments shows the de-duplicated deployments on the board, for incident timelines.
func (p *pillars) publishDeployments(byService map[string][]score.Deployment) {
	if p.board == nil {
		return
	}
	out := make(map[string][]srestate.Deployment, len(byService))
	for svc, deps := range byService {
		for _, d := range deps {
			out[svc] = append(out[svc], srestate.Deployment{Service: svc, Version: d.Version, SHA: d.Revision, At: d.At, Source: d.Source.String(), Rollback: d.Rollback})
		}
	}
	p.board.SetDeployments(out)
}

package console

var listPage = page("slos", `SLOs`, `{{nav "slos"}}
<h1>Service level objectives</h1>
{{if .Sharded}}<p class="banner" id="sharded">This replica's shard only: each replica's console shows the events it received. The Grafana dashboards sum the replicas.</p>{{end}}
<p>Alert state:
<a href="{{query .Filters "alert" "page"}}">page ({{index .Alerts "page"}})</a> ·
<a href="{{query .Filters "alert" "ticket"}}">ticket ({{index .Alerts "ticket"}})</a> ·
<a href="{{query .Filters "alert" "none"}}">none ({{index .Alerts "none"}})</a> ·
<a href="/slos">clear filters</a> · <a href="{{jsonurl .Filters}}">JSON</a></p>
{{if or .Filters.Service .Filters.SLO .Filters.Alert}}<p class="note" id="filters">Filtered:{{with .Filters.Service}} service={{.}}{{end}}{{with .Filters.SLO}} slo={{.}}{{end}}{{with .Filters.Alert}} alert={{.}}{{end}}.</p>{{end}}
<p class="note" data-total="{{.Page.Total}}">Series {{rank .Page.Offset}}–{{add .Page.Offset (len .Series)}} of {{.Page.Total}}, worst budget first.
{{with .Page.Prev}}<a href="{{.}}">Previous</a>{{end}} {{with .Page.Next}}<a href="{{.}}">Next</a>{{end}}</p>
{{if .Series}}<table id="slo-list"><thead><tr><th>SLO</th><th>Service</th><th>Group</th><th>Objective</th><th>Window</th><th>SLI kind</th><th>SLI</th><th>Budget remaining</th><th>Short burn</th><th>Long burn</th><th>Exhaustion</th><th>Alert</th><th>Incident</th></tr></thead><tbody>
{{range .Series}}<tr data-id="{{.ID}}" data-alert="{{.Alert}}"><td><a href="{{.URL}}">{{.SLO}}</a> <a class="note" href="{{query $.Filters "slo" .SLO}}">filter</a></td>
<td>{{.Service}} <a class="note" href="{{query $.Filters "service" .Service}}">filter</a></td><td>{{with .Group}}{{kv .}}{{else}}–{{end}}</td>
<td>{{pct .Objective}}</td><td>{{.Window}}</td><td>{{.Kind}}</td><td>{{optpct .SLI}}</td><td class="budget{{if neg .BudgetRemaining}} neg{{end}}">{{optpct1 .BudgetRemaining}}</td>
<td>{{with .ShortBurn}}{{optnum .Rate}}× ({{.Window}}){{else}}–{{end}}</td><td>{{with .LongBurn}}{{optnum .Rate}}× ({{.Window}}){{else}}–{{end}}</td>
<td>{{optdur .ExhaustionSeconds}}</td><td class="{{.Alert}}">{{.Alert}}{{if .InMaintenance}} <span class="maintenance">(maintenance)</span>{{end}}</td><td>{{with .Incident}}<a href="{{.URL}}">{{.ID}}</a>{{else}}–{{end}}</td></tr>
{{end}}</tbody></table>{{else}}<p id="empty">No SLO series{{if or .Filters.Service .Filters.SLO .Filters.Alert}} match these filters{{else}} yet: the slo connector publishes them at its first emit, once spans arrive{{end}}.</p>{{end}}`)

var detailPage = page("slo", `{{.D.SLO}} · {{.D.Service}}`, `{{nav "slos"}}{{$d := .D}}
<p><a href="/slos">All SLOs</a> · <a href="{{$d.URL}}.json?range={{$d.Range}}">JSON</a> · <a href="/scorecard?service={{$d.Service}}">Scorecard of {{$d.Service}}</a></p>
<h1>{{$d.SLO}} · {{$d.Service}}{{with $d.Group}} · {{kv .}}{{end}}</h1>
{{if $d.Sharded}}<p class="banner" id="sharded">This replica's shard only: its budget is an estimate from the events it received. The Grafana dashboards sum the replicas.</p>{{end}}
<div class="tiles"><div class="tile">Objective<b id="tile-objective">{{pct $d.Objective}}</b>{{$d.Window}}, {{$d.Kind}}</div>
<div class="tile">SLI over the period<b id="tile-sli">{{optpct $d.SLI}}</b>{{count $d.GoodEvents}} good, {{count $d.BadEvents}} bad</div>
<div class="tile">Budget remaining<b id="tile-budget" class="{{if neg $d.BudgetRemaining}}neg{{end}}">{{optpct1 $d.BudgetRemaining}}</b>exhaustion: {{optdur $d.ExhaustionSeconds}}</div>
<div class="tile">Budget consumed this period<b id="tile-consumed">{{optpct1 $d.BudgetConsumed}}</b>since {{when $d.PeriodStart}}</div>
<div class="tile">Alert<b class="{{$d.Alert}}" id="tile-alert">{{$d.Alert}}</b>{{if $d.InMaintenance}}<span id="tile-maintenance">in maintenance: alerts held</span> · {{end}}{{with $d.Incident}}<a href="{{.URL}}">incident {{.ID}}</a>{{else}}no open incident{{end}}</div></div>
<p>Range: {{range $d.Ranges}}{{if eq . $d.Range}}<strong>{{.}}</strong>{{else}}<a href="{{$d.URL}}?range={{.}}">{{.}}</a>{{end}} {{end}}
<span class="note">{{len $d.History}} points of {{dur $d.StepSeconds}} from {{when $d.From}}{{with $d.HistoryFrom}}; history kept since {{when .}}{{end}}. Blue dashed lines are deployments, red bands incidents (linked), grey bands maintenance windows (their events are excluded).</span></p>
{{with $d.NoHistory}}<p class="banner">{{.}}</p>{{end}}
{{range .Charts}}<h2>{{.Title}}</h2>{{.SVG}}{{end}}
<h2>Alerts</h2>
{{if $d.Alerts}}<table id="alerts"><thead><tr><th>State</th><th>Severity</th><th>Short window burn</th><th>Long window burn</th><th>Factor</th><th>Exhaustion</th></tr></thead><tbody>
{{range $d.Alerts}}<tr class="{{if .Firing}}{{.Severity}}{{end}}"><td>{{.State}}</td><td>{{.Severity}}</td><td>{{if .ShortOK}}{{num .ShortBurn}}×{{else}}no data{{end}} ({{.Short}})</td><td>{{if .LongOK}}{{num .LongBurn}}×{{else}}no data{{end}} ({{.Long}})</td><td>{{num .Factor}}×</td><td>{{optdur .ExhaustionSeconds}}</td></tr>{{end}}
</tbody></table>{{else}}<p>This SLO has no burn-rate alert tiers.</p>{{end}}
<h2>Deployments, incidents and maintenance in range</h2>
{{if $d.Annotations}}<ul id="annotations">{{range $d.Annotations}}<li class="{{.Kind}}">{{when .At}}{{with .End}} – {{when .}}{{end}}: {{if .URL}}<a href="{{.URL}}">{{.Label}}</a>{{else}}{{.Label}}{{end}}</li>{{end}}</ul>{{else}}<p>None.</p>{{end}}
<h2>Compliance of closed periods</h2>
{{if $d.Compliance}}<table id="compliance"><thead><tr><th>Period</th><th>SLI</th><th>Budget remaining</th><th>Good</th><th>Bad</th><th>Objective met</th></tr></thead><tbody>
{{range $d.Compliance}}<tr class="{{if .Met}}pass{{else}}fail{{end}}"><td>{{when .Start}} – {{when .End}}</td><td>{{pct .SLI}}</td><td>{{pct1 .BudgetRemaining}}</td><td>{{count .Good}}</td><td>{{count .Bad}}</td><td>{{.Met}}</td></tr>{{end}}
</tbody></table>{{else}}<p>No closed calendar period yet{{if not (eq $d.Kind "timeslice")}} (rolling windows have none){{end}}.</p>{{end}}
<h2>Planned maintenance</h2>
{{if $d.Upcoming}}<ul id="upcoming">{{range $d.Upcoming}}<li>{{when .Start}} – {{when .End}}: {{.Reason}}</li>{{end}}</ul>{{else}}<p>No window in the next 7 days.</p>{{end}}
<h2>Corrections</h2>
{{if $d.Corrections}}<table id="corrections"><thead><tr><th>Window</th><th>Reason</th><th>Applied</th><th>Good taken back</th><th>Bad taken back</th><th>Period</th></tr></thead><tbody>
{{range $d.Corrections}}<tr><td>{{when .From}} – {{when .To}}</td><td>{{.Reason}}</td><td>{{when .Applied}}</td><td>{{count .Good}}</td><td>{{count .Bad}}</td><td>{{if .PeriodStart.IsZero}}rolling{{else}}{{when .PeriodStart}}{{end}}</td></tr>{{end}}
</tbody></table>{{else}}<p>No maintenance window was added after the fact.</p>{{end}}
<h2>Recent bad events</h2>
{{if $d.Exemplars}}<ul id="exemplars">{{range $d.Exemplars}}<li>{{when .At}}: {{if .URL}}<a href="{{.URL}}">{{.TraceID}}</a>{{else}}<code>{{.TraceID}}</code>{{end}}</li>{{end}}</ul>{{else}}<p>None recorded.</p>{{end}}
<h2>Definition</h2><pre id="definition">{{$d.Definition}}</pre>
<h2>Generated Prometheus rules</h2><pre id="rules">{{$d.Rules}}</pre>`)

var incidentsPage = page("incidents", `Incidents`, `{{nav "incidents"}}
<h1>Incidents</h1><p><a href="/incidents.json">JSON</a></p>
{{if not .State}}<p>No <code>state</code> is configured: incidents come from an sre_state extension the slo connector publishes to.</p>{{end}}
{{if .Incidents}}<table><thead><tr><th>Incident</th><th>Status</th><th>SLO</th><th>Service</th><th>Series</th><th>Start</th><th>Impact</th><th>Episodes</th><th>Peak burn</th><th>Budget consumed since open</th><th>Trigger</th><th>Top contributing factor</th></tr></thead><tbody>
{{range .Incidents}}<tr><td><a href="{{.URL}}">{{.ID}}</a></td><td class="{{.Status}}">{{.Status}}</td><td>{{if .SLOURL}}<a href="{{.SLOURL}}">{{.SLO}}</a>{{else}}{{.SLO}}{{end}}</td><td>{{.Service}}</td><td>{{with group .Identity}}{{.}}{{else}}–{{end}}</td><td>{{when .Start}}</td><td>{{dur .DurationSeconds}}{{if not .Recovered.IsZero}} (recovered){{end}}</td><td>{{len .Episodes}}</td><td>{{num .PeakBurn}}×</td><td>{{pct1 .BudgetConsumed}}</td><td>{{with .Trigger}}{{if .Rollback}}rollback to {{.Version}}{{else}}{{.Version}}{{end}}{{else}}–{{end}}</td><td>{{with index0 .Factors}}{{.Attribute}}={{.Value}} (lift {{num .Lift}}){{else}}–{{end}}</td></tr>
{{end}}</tbody></table>{{else}}<p>No incidents.</p>{{end}}`)

var incidentPage = page("incident", `Incident {{.I.ID}}`, `{{nav "incidents"}}
<p><a href="/incidents">All incidents</a> · <a href="{{.I.URL}}.json">JSON</a> · <a href="{{.I.URL}}.md">Postmortem draft (Markdown)</a>{{with .I.SLOURL}} · <a href="{{.}}">SLO page</a>{{end}}</p>
<h1>{{.I.SLO}} · {{.I.Service}}{{with group .I.Identity}} · {{.}}{{end}} · {{.I.Status}}</h1>
<p>Incident <code>{{.I.ID}}</code>, severity {{.I.Severity}}, alert <code>{{.I.Alert}}</code>.{{if gt (len .I.Episodes) 1}} Episode {{len .I.Episodes}} of {{len .I.Episodes}}: the figures below are the latest episode's.{{end}}</p>
<p>Page fired {{when .I.Start}}; {{if .I.Recovered.IsZero}}no recovery seen yet{{else}}service recovered {{when .I.Recovered}} ({{since .I.Start .I.Recovered}} of impact){{end}}; {{if eq .I.Status "resolved"}}alert cleared {{when .I.Resolved}} ({{since .I.Start .I.Resolved}} after it fired: the alert waits for its long window to cool){{else}}alert still firing{{end}}.</p>
<p>Peak burn {{num .I.PeakBurn}}× at {{when .I.PeakAt}}; budget remaining at open {{pct1 .I.BudgetAtOpen}}; consumed since open {{pct1 .I.BudgetConsumed}} of this period so far{{if not .I.PeriodStart.IsZero}} (period started {{when .I.PeriodStart}}){{end}}; {{count .I.BadEvents}} bad of {{count .I.ValidEvents}} valid events since open.</p>
<p>Trigger hypothesis: {{with .I.Trigger}}{{if .Rollback}}no new version before the burn (last change: rollback to <code>{{.Version}}</code> at {{when .At}}){{else}}deployment of <code>{{.Version}}</code> at {{when .At}}, the last before the burn began{{end}}{{else}}no deployment before the burn{{end}}.</p>
<h2>Timeline</h2><ul>{{range timeline .I.Incident}}<li>{{when .At}}: {{plain .What}}</li>{{end}}</ul>
<h2>Contributing factors (hypotheses, ranked by lift)</h2>
{{if .I.Factors}}<table><thead><tr><th>#</th><th>Attribute</th><th>Value</th><th>Bad events</th><th>Good events</th><th>Lift</th><th>Share of bad events</th></tr></thead><tbody>
{{range $i, $f := .I.Factors}}<tr><td>{{rank $i}}</td><td>{{$f.Attribute}}</td><td>{{$f.Value}}</td><td>{{count $f.Bad}}</td><td>{{count $f.Good}}</td><td>{{num $f.Lift}}</td><td>{{pct1 $f.Coverage}}</td></tr>{{end}}
</tbody></table>{{else}}<p>No attribute value separated bad from good events.</p>{{end}}
<h2>Exemplar traces</h2><ul>{{range .I.Exemplars}}<li><code>{{.}}</code></li>{{else}}<li>none</li>{{end}}</ul>
<h2>Postmortem draft</h2><pre>{{.Draft}}</pre>`)

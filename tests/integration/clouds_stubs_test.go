//go:build integration

package integration

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// azureStub: Application Insights ingestion, reached through the connection string.
func azureStub(t *testing.T) (map[string]string, func() cloudDelivery) {
	ai := harness.StartAppInsightsStub(t)
	env := map[string]string{
		"APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=00000000-0000-0000-0000-0000000000aa;IngestionEndpoint=" + ai.URL + "/",
		"AZURE_MONITOR_BATCH_INTERVAL":          "1s",
	}
	return env, func() cloudDelivery {
		if bad := ai.Rejected(); len(bad) > 0 {
			t.Errorf("the Application Insights stub could not decode: %v", bad)
		}
		d := cloudDelivery{traceIDs: map[string]bool{}}
		var res strings.Builder
		for _, e := range ai.Envelopes() {
			if e.IKey != "00000000-0000-0000-0000-0000000000aa" {
				t.Errorf("envelope %s carries iKey %q", e.Name, e.IKey)
			}
			switch e.Data.BaseType {
			case "RequestData", "RemoteDependencyData":
				d.traceIDs[e.OperationID()] = true
				res.Write(e.Data.BaseData)
			case "MessageData":
				var m struct{ Message string }
				_ = json.Unmarshal(e.Data.BaseData, &m)
				d.logBodies = append(d.logBodies, m.Message)
			case "MetricData":
				var m struct{ Metrics []struct{ Name string } }
				_ = json.Unmarshal(e.Data.BaseData, &m)
				for _, p := range m.Metrics {
					if strings.HasPrefix(p.Name, "slo.") {
						d.sloMetrics++
					}
				}
			}
		}
		d.resource = res.String()
		return d
	}
}

// gcpStub: Cloud Trace, Cloud Monitoring and Cloud Logging on one insecure gRPC endpoint.
func gcpStub(t *testing.T) (map[string]string, func() cloudDelivery) {
	gcp := harness.StartGoogleCloudStub(t)
	env := map[string]string{"GCP_API_ENDPOINT": gcp.Addr, "GCP_API_INSECURE": "true", "GOOGLE_CLOUD_PROJECT": "project-under-test"}
	return env, func() cloudDelivery {
		d := cloudDelivery{traceIDs: map[string]bool{}}
		var res strings.Builder
		for _, s := range gcp.Spans() {
			if !strings.HasPrefix(s.GetName(), "projects/project-under-test/traces/") {
				t.Errorf("span name %q is not in the project", s.GetName())
			}
			d.traceIDs[harness.CloudTraceID(s)] = true
			res.WriteString(fmt.Sprint(s.GetAttributes().GetAttributeMap()))
		}
		for _, e := range gcp.LogEntries() {
			d.logBodies = append(d.logBodies, e.GetTextPayload()+e.GetJsonPayload().String())
		}
		for _, ts := range gcp.TimeSeries() {
			if strings.HasPrefix(ts.GetMetric().GetType(), "workload.googleapis.com/slo.") {
				d.sloMetrics++
			}
		}
		d.resource = res.String()
		return d
	}
}

func eachLogBody(ld plog.Logs, fn func(string)) {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		sls := ld.ResourceLogs().At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				fn(lrs.At(k).Body().AsString())
			}
		}
	}
}

func countMetricsNamed(md pmetric.Metrics, prefix string) int {
	n := 0
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		sms := md.ResourceMetrics().At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				if strings.HasPrefix(ms.At(k).Name(), prefix) {
					n++
				}
			}
		}
	}
	return n
}

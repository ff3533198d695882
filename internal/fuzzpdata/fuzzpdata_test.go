package fuzzpdata

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

func TestBuildersAlwaysBuildSomething(t *testing.T) {
	for _, data := range [][]byte{nil, {0}, {255, 255, 255}, []byte("some arbitrary fuzz bytes of a decent length 0123456789")} {
		if n := Traces(data).SpanCount(); n == 0 {
			t.Errorf("%q: no spans", data)
		}
		if n := Metrics(data).DataPointCount(); n == 0 {
			t.Errorf("%q: no data points", data)
		}
		if n := Logs(data).LogRecordCount(); n == 0 {
			t.Errorf("%q: no log records", data)
		}
	}
}

func TestOTLPBytesAreUsedAsTheyAre(t *testing.T) {
	td := Traces([]byte("seed bytes for a trace of several spans"))
	raw, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	again := Traces(raw)
	if again.SpanCount() != td.SpanCount() {
		t.Fatalf("round trip: %d spans, want %d", again.SpanCount(), td.SpanCount())
	}
}

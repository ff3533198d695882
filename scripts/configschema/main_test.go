package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter"
)

// Every config field of every component carries a doc comment, and each committed
// config.schema.yaml is what the code and its comments generate now.
func TestConfigFieldsAreDocumentedAndSchemasCurrent(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, c := range components {
		w := newWalker(root)
		out, err := render(w.schema(c.factory.Type().String(), c.factory.CreateDefaultConfig()))
		if err != nil {
			t.Fatal(err)
		}
		for _, field := range w.undocumented {
			t.Errorf("%s: config field %s has no doc comment", c.dir, field)
		}
		committed, err := os.ReadFile(filepath.Join(root, c.dir, "config.schema.yaml"))
		if err != nil || string(committed) != string(out) {
			t.Errorf("%s/config.schema.yaml is stale (%v): run make generate", c.dir, err)
		}
	}
}

// The walker notices a field without a comment: the check above can fail.
func TestAnUndocumentedFieldIsReported(t *testing.T) {
	w := newWalker(filepath.Join("..", ".."))
	w.docs[modulePath+"exporter/pillarsexporter"] = map[string]map[string]string{
		"TargetsConfig": {"KeepRatioMinSpansPerSecond": "documented"}, // LatencyP95's comment "lost"
	}
	w.value(reflect.TypeFor[pillarsexporter.TargetsConfig](), reflect.Value{})
	if len(w.undocumented) != 1 || !strings.Contains(w.undocumented[0], "TargetsConfig.LatencyP95 (latency_p95)") {
		t.Fatalf("undocumented = %v, want TargetsConfig.LatencyP95 alone", w.undocumented)
	}
}

// Package configtest loads a component's config from its testdata/config.yaml the way the
// collector does: defaults first, the section decoded over them, then validated. The config
// tests of every component share it.
package configtest

import (
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
)

// Load decodes the section typ/name of testdata/config.yaml into cfg, a default config, and
// validates it. A missing file or section fails the test; a decoding or validation error is
// returned for the test to judge.
func Load(t testing.TB, typ component.Type, name string, cfg component.Config) error {
	t.Helper()
	sub, err := section(t, typ, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.Unmarshal(cfg); err != nil {
		return err
	}
	return confmap.Validate(cfg)
}

// Decode decodes the section without validating it, failing the test on a decoding error.
func Decode(t testing.TB, typ component.Type, name string, cfg component.Config) {
	t.Helper()
	sub, err := section(t, typ, name)
	if err == nil {
		err = sub.Unmarshal(cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func section(t testing.TB, typ component.Type, name string) (*confmap.Conf, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	if err != nil {
		return nil, err
	}
	return cm.Sub(component.NewIDWithName(typ, name).String())
}

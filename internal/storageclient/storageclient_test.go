package storageclient

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

type host struct {
	component.Host
	ext map[component.ID]component.Component
}

func (h host) GetExtensions() map[component.ID]component.Component { return h.ext }

type notStorage struct{ component.StartFunc }

func (notStorage) Shutdown(context.Context) error { return nil }

type fakeStorage struct {
	notStorage
	gotKind  component.Kind
	gotOwner component.ID
}

func (f *fakeStorage) GetClient(_ context.Context, kind component.Kind, owner component.ID, _ string) (storage.Client, error) {
	f.gotKind, f.gotOwner = kind, owner
	return storage.NewNopClient(), nil
}

func TestOpen(t *testing.T) {
	fs, other := component.MustNewID("file_storage"), component.MustNewID("zpages")
	owner := component.MustNewIDWithName("slo", "a")
	fake := &fakeStorage{}
	h := host{Host: componenttest.NewNopHost(), ext: map[component.ID]component.Component{fs: fake, other: notStorage{}}}
	if c, err := Open(context.Background(), h, fs, component.KindConnector, owner); err != nil || c == nil {
		t.Fatalf("Open: %v", err)
	}
	if fake.gotKind != component.KindConnector || fake.gotOwner != owner {
		t.Fatalf("client requested as %v %v, want the owner's", fake.gotKind, fake.gotOwner)
	}
	for id, want := range map[component.ID]string{
		component.MustNewID("missing"): `storage: extension "missing" is not configured in service.extensions`,
		other:                          `storage: extension "zpages" is not a storage extension`,
	} {
		if _, err := Open(context.Background(), h, id, component.KindExporter, owner); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%v) = %v, want %q", id, err, want)
		}
	}
}

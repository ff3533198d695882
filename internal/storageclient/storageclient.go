// Package storageclient opens a component's client of a storage extension, with the errors a
// user can act on when the `storage` setting names the wrong extension.
package storageclient

import (
	"context"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// Open returns the client that the component (kind, owner) gets from the storage extension
// named extension. The client is named after the owner's ID, so two components sharing one
// extension keep their records apart.
func Open(ctx context.Context, host component.Host, extension component.ID, kind component.Kind, owner component.ID) (storage.Client, error) {
	ext, ok := host.GetExtensions()[extension]
	if !ok {
		return nil, fmt.Errorf("storage: extension %q is not configured in service.extensions", extension)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("storage: extension %q is not a storage extension", extension)
	}
	return se.GetClient(ctx, kind, owner, "")
}

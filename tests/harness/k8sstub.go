package harness

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// K8sAPIStub is a Kubernetes API server for client-go informers: it answers a list with the
// objects it holds and keeps a watch open with no events. It is what k8s_attributes needs to
// learn a pod, its ReplicaSet and namespace, where no cluster can run.
type K8sAPIStub struct {
	URL        string
	Kubeconfig string // a kubeconfig file naming the stub as the current context's server

	mu    sync.Mutex
	lists map[string][]any // API path, e.g. /api/v1/pods, to items
	paths []string
}

// StartK8sAPIStub serves lists keyed by collection path (/api/v1/pods,
// /apis/apps/v1/replicasets, ...); any other collection is empty.
func StartK8sAPIStub(t testing.TB, lists map[string][]any) *K8sAPIStub {
	t.Helper()
	stub := &K8sAPIStub{lists: lists}
	stub.URL = serveHTTP(t, http.HandlerFunc(stub.serve))
	stub.Kubeconfig = filepath.Join(t.TempDir(), "kubeconfig")
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: stub, cluster: {server: %q}}]
users: [{name: stub, user: {token: stub-token}}]
contexts: [{name: stub, context: {cluster: stub, user: stub}}]
current-context: stub
`, stub.URL)
	if err := os.WriteFile(stub.Kubeconfig, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	return stub
}

func (s *K8sAPIStub) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.paths = append(s.paths, r.URL.Path+"?"+r.URL.RawQuery)
	items, known := s.lists[r.URL.Path]
	s.mu.Unlock()
	if r.Method != http.MethodGet {
		http.Error(w, "read only", http.StatusMethodNotAllowed)
		return
	}
	if !known && !isCollection(r.URL.Path) {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Query().Get("watch") == "true" {
		// No events: the informer keeps what it listed until the request ends.
		w.WriteHeader(http.StatusOK)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		<-r.Context().Done()
		return
	}
	if items == nil {
		items = []any{}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"kind": "List", "apiVersion": "v1",
		"metadata": map[string]any{"resourceVersion": "1"},
		"items":    items,
	})
}

// isCollection is true for /api/v1/<resource> and /apis/<group>/<version>/<resource>.
func isCollection(path string) bool {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	return (parts[0] == "api" && len(parts) == 3) || (parts[0] == "apis" && len(parts) == 4)
}

// Paths lists the requests served so far (path?query).
func (s *K8sAPIStub) Paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...)
}

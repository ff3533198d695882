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
	kind, apiVersion := kindOf(r.URL.Path)
	typed := make([]any, 0, len(items))
	for _, it := range items {
		obj := map[string]any{"kind": kind, "apiVersion": apiVersion}
		for k, v := range it.(map[string]any) {
			obj[k] = v
		}
		typed = append(typed, obj)
	}
	if r.URL.Query().Get("watch") != "true" {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"kind": kind + "List", "apiVersion": apiVersion,
			"metadata": map[string]any{"resourceVersion": "1"},
			"items":    typed,
		})
		return
	}
	// A watch-list (client-go's default since 1.32) gets the objects as ADDED events, then the
	// bookmark that ends the initial events; a plain watch gets no events. Either way the
	// stream stays open until the request ends.
	enc := json.NewEncoder(w)
	if r.URL.Query().Get("sendInitialEvents") == "true" {
		for _, obj := range typed {
			_ = enc.Encode(map[string]any{"type": "ADDED", "object": obj})
		}
		_ = enc.Encode(map[string]any{"type": "BOOKMARK", "object": map[string]any{
			"kind": kind, "apiVersion": apiVersion,
			"metadata": map[string]any{"resourceVersion": "1", "annotations": map[string]any{"k8s.io/initial-events-end": "true"}},
		}})
	}
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	<-r.Context().Done()
}

// kindOf names the kind and API version of a collection path's objects.
func kindOf(path string) (kind, apiVersion string) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	resource := parts[len(parts)-1]
	apiVersion = "v1"
	if parts[0] == "apis" && len(parts) >= 3 {
		apiVersion = parts[1] + "/" + parts[2]
	}
	known := map[string]string{"pods": "Pod", "namespaces": "Namespace", "nodes": "Node", "replicasets": "ReplicaSet",
		"deployments": "Deployment", "statefulsets": "StatefulSet", "daemonsets": "DaemonSet", "jobs": "Job", "services": "Service"}
	if k, ok := known[resource]; ok {
		return k, apiVersion
	}
	return strings.TrimSuffix(strings.ToUpper(resource[:1])+resource[1:], "s"), apiVersion
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

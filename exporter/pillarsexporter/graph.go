package pillarsexporter

import (
	"encoding/binary"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Bounds on the dependency graph: its edges and the spans waiting for their other end come
// from senders.
const (
	maxEdges   = 4096
	maxPending = 20_000
)

// peerAttributes name a CLIENT span's peer, best first.
var peerAttributes = []string{"peer.service", "server.address", "net.peer.name", "db.system.name", "db.system", "messaging.system", "rpc.service"}

type edgeKey struct{ from, to, kind string }

type edgeStats struct {
	calls, errors float64
	lastSeen      time.Time
}

// depGraph is the service dependency graph (ID.AM-03): "traced" edges pair a CLIENT span with
// the SERVER span whose parent it is, as contrib's servicegraph connector does; "declared"
// edges come from the CLIENT span's peer attribute alone. Guarded by the ingest lock.
type depGraph struct {
	edges   map[edgeKey]*edgeStats
	clients pendingSpans // CLIENT span ID → calling service
	servers pendingSpans // SERVER span's parent span ID → called service
	dropped uint64       // edges refused at maxEdges
	// last is the edge added last: a batch's CLIENT spans mostly call the same peer, and the
	// map lookup hashes three strings.
	lastKey  edgeKey
	lastEdge *edgeStats
}

// pendingSpans is a bounded FIFO map of span IDs waiting for the span at their other end.
type pendingSpans struct {
	m    map[uint64]pending
	ring []uint64
	next int
}

// pending is the service at one end of a call: its name, and (for a caller) its state, to
// credit its CLIENT span when the answer comes. A state evicted meanwhile is credited in vain.
type pending struct {
	service string
	state   *serviceState
	weight  float64 // the CLIENT span's adjusted count
}

func (ps *pendingSpans) put(id uint64, end pending) {
	if ps.m == nil {
		ps.m, ps.ring = map[uint64]pending{}, make([]uint64, 0, 1024)
	}
	if len(ps.ring) < maxPending {
		ps.ring = append(ps.ring, id)
	} else {
		delete(ps.m, ps.ring[ps.next])
		ps.ring[ps.next] = id
		ps.next = (ps.next + 1) % maxPending
	}
	ps.m[id] = end
}

func (ps *pendingSpans) take(id uint64) (pending, bool) {
	s, ok := ps.m[id]
	delete(ps.m, id) // its ring slot is reused in turn
	return s, ok
}

func spanKey(id pcommon.SpanID) uint64 { return binary.BigEndian.Uint64(id[:]) }

func (g *depGraph) add(from, to, kind string, span ptrace.Span, w float64, now time.Time) {
	if from == "" || to == "" {
		return
	}
	k := edgeKey{from, to, kind}
	e := g.lastEdge
	if e == nil || g.lastKey != k {
		e = g.edges[k]
	}
	if e == nil {
		if g.edges == nil {
			g.edges = map[edgeKey]*edgeStats{}
		}
		if len(g.edges) >= maxEdges {
			g.dropped++
			return
		}
		e = &edgeStats{}
		g.edges[k] = e
	}
	g.lastKey, g.lastEdge = k, e
	e.calls += w
	if span.Status().Code() == ptrace.StatusCodeError {
		e.errors += w
	}
	e.lastSeen = now
}

// client books a CLIENT span of service and reports whether its peer is known.
func (g *depGraph) client(service string, state *serviceState, span ptrace.Span, peer string, w float64, now time.Time) bool {
	known := peer != ""
	if known {
		g.add(service, peer, "declared", span, w, now)
	}
	id := spanKey(span.SpanID())
	if callee, ok := g.servers.take(id); ok {
		g.add(service, callee.service, "traced", span, w, now)
		return true
	}
	if !known { // a SERVER span answering it later makes its peer known then
		g.clients.put(id, pending{service, state, w})
	}
	return known
}

// server books a SERVER span of service against the CLIENT span that called it, and returns
// the caller's state when that CLIENT span came first without a peer attribute.
func (g *depGraph) server(service string, span ptrace.Span, now time.Time) (caller pending, ok bool) {
	if span.ParentSpanID().IsEmpty() {
		return pending{}, false
	}
	id := spanKey(span.ParentSpanID())
	if caller, ok = g.clients.take(id); ok {
		if caller.service != service {
			g.add(caller.service, service, "traced", span, 1, now)
		}
		return caller, true
	}
	g.servers.put(id, pending{service: service})
	return pending{}, false
}

// EdgeJSON is one edge of /dependencies.json.
type EdgeJSON struct {
	From     string    `json:"from"`
	To       string    `json:"to"`
	Kind     string    `json:"kind"`
	Calls    float64   `json:"calls"`
	Errors   float64   `json:"errors"`
	LastSeen time.Time `json:"last_seen"`
}

// GraphJSON is the dependency graph as served.
type GraphJSON struct {
	Nodes        []string   `json:"nodes"`
	Edges        []EdgeJSON `json:"edges"`
	DroppedEdges uint64     `json:"dropped_edges"`
	Note         string     `json:"note"`
}

// snapshot copies the edges seen since from, dropping older ones; the caller holds the lock.
func (g *depGraph) snapshot(from time.Time) GraphJSON {
	out := GraphJSON{DroppedEdges: g.dropped, Edges: []EdgeJSON{}, Nodes: []string{},
		Note: "traced: a CLIENT span answered by a SERVER span of another service; declared: the CLIENT span's peer attribute only"}
	nodes := map[string]bool{}
	for k, e := range g.edges {
		if e.lastSeen.Before(from) {
			delete(g.edges, k)
			g.lastEdge = nil
			continue
		}
		out.Edges = append(out.Edges, EdgeJSON{From: k.from, To: k.to, Kind: k.kind, Calls: e.calls, Errors: e.errors, LastSeen: e.lastSeen.UTC()})
		nodes[k.from], nodes[k.to] = true, true
	}
	for n := range nodes {
		out.Nodes = append(out.Nodes, n)
	}
	slices.Sort(out.Nodes)
	slices.SortFunc(out.Edges, func(a, b EdgeJSON) int {
		return strings.Compare(a.From+"\x00"+a.To+"\x00"+a.Kind, b.From+"\x00"+b.To+"\x00"+b.Kind)
	})
	return out
}

func (p *pillars) serveGraph(w http.ResponseWriter, _ *http.Request) {
	p.console().WriteJSON(w, p.latestGraph.Load())
}

package pillarsexporter

import (
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// What spans and events say, read from their attributes.

func hasException(span ptrace.Span) bool {
	for i := 0; i < span.Events().Len(); i++ {
		if span.Events().At(i).Name() == "exception" {
			return true
		}
	}
	return false
}

// isTLS reports whether a span says its connection used TLS: an https scheme or URL, or any
// tls.* attribute.
func isTLS(attrs pcommon.Map) bool {
	if str(attrs, "url.scheme") == "https" || strings.HasPrefix(str(attrs, "url.full"), "https://") {
		return true
	}
	found := false
	attrs.Range(func(k string, _ pcommon.Value) bool {
		found = strings.HasPrefix(k, "tls.")
		return !found
	})
	return found
}

// isExternal reports whether a CLIENT span calls a host outside the cluster: a dotted name
// that is not a cluster or private domain, or a public IP address.
func isExternal(attrs pcommon.Map) bool {
	host := str(attrs, "server.address")
	if host == "" {
		if u, err := url.Parse(str(attrs, "url.full")); err == nil {
			host = u.Hostname()
		}
	}
	if host == "" {
		return false
	}
	// Only what could be an address is parsed: a failed parse allocates its error, per span.
	if looksLikeIP(host) {
		if ip, err := netip.ParseAddr(host); err == nil {
			return !(ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsUnspecified())
		}
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if !strings.Contains(host, ".") {
		return false // a Kubernetes service or a docker-compose name
	}
	for _, suffix := range []string{".svc", ".cluster.local", ".local", ".internal", ".localhost", ".lan", ".home.arpa"} {
		if strings.HasSuffix(host, suffix) || strings.Contains(host, ".svc.") {
			return false
		}
	}
	return true
}

// looksLikeIP is false for every host name netip.ParseAddr would refuse for its first or last
// character: an IPv4 address starts and ends with a digit, an IPv6 one has a colon.
func looksLikeIP(host string) bool {
	if strings.IndexByte(host, ':') >= 0 {
		return true
	}
	first, last := host[0], host[len(host)-1]
	return first >= '0' && first <= '9' && last >= '0' && last <= '9'
}

func isDeploySpan(span ptrace.Span) bool {
	attrs := span.Attributes()
	deploy := str(attrs, "cicd.pipeline.task.type") == "deploy" ||
		(str(attrs, "cicd.pipeline.name") != "" && deployName.MatchString(span.Name()))
	if !deploy {
		return false
	}
	for _, k := range []string{"cicd.pipeline.task.run.result", "cicd.pipeline.result", "cicd.pipeline.run.status"} {
		if r := str(attrs, k); r != "" && r != "success" {
			return false
		}
	}
	return span.Status().Code() != ptrace.StatusCodeError
}

func str(attrs pcommon.Map, key string) string {
	if v, ok := attrs.Get(key); ok {
		return v.AsString()
	}
	return ""
}

// timeAttr reads a commit time given as RFC 3339 text or unix seconds; zero when absent or odd.
func timeAttr(attrs pcommon.Map, key string) time.Time {
	v, ok := attrs.Get(key)
	if !ok {
		return time.Time{}
	}
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return time.Unix(v.Int(), 0)
	case pcommon.ValueTypeDouble:
		return time.Unix(int64(v.Double()), 0)
	case pcommon.ValueTypeStr:
		if t, err := time.Parse(time.RFC3339Nano, v.Str()); err == nil {
			return t
		}
		if n, err := strconv.ParseInt(v.Str(), 10, 64); err == nil {
			return time.Unix(n, 0)
		}
	}
	return time.Time{}
}

// manualTrigger reads the configured CI/CD trigger attribute: true when a person triggered the
// deployment, false when something else did, nil when the attribute is absent.
func (p *pillars) manualTrigger(attrs pcommon.Map) *bool {
	mt := p.cfg.Standards.ManualTrigger
	v := str(attrs, mt.Attribute)
	if mt.Attribute == "" || v == "" {
		return nil
	}
	manual := slices.Contains(mt.Values, v)
	return &manual
}

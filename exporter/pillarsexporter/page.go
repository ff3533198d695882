package pillarsexporter

import (
	"math"
	"net/url"
	"sort"
	"strconv"
)

// Page says which services of the scorecard a response holds: services are ranked worst
// first, and no response holds more than page_size of them, however many senders invent.
type Page struct {
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
	// Total is the services matching the request; Omitted those not in this response.
	Total   int    `json:"total"`
	Omitted int    `json:"omitted"`
	Next    string `json:"next,omitempty"`
	Service string `json:"service,omitempty"`
}

// rankWorstFirst orders services by their lowest framework score (a service without any
// score last), then by failed checks, keeping the identity order for ties.
func rankWorstFirst(services []ServiceResult) {
	lowest := func(s *ServiceResult) float64 {
		v := math.Inf(1)
		for _, fw := range s.Frameworks {
			if fw.Score != nil {
				v = min(v, *fw.Score)
			}
		}
		return v
	}
	failed := func(s *ServiceResult) (n int) {
		for _, c := range s.Checks {
			if c.Result == "fail" {
				n++
			}
		}
		return n
	}
	sort.SliceStable(services, func(i, j int) bool {
		li, lj := lowest(&services[i]), lowest(&services[j])
		if li != lj {
			return li < lj
		}
		return failed(&services[i]) > failed(&services[j])
	})
}

// view is the part of card a request asks for: ?service= selects by service.name, ?offset=
// pages on, and at most page_size services are returned. The published card is not changed.
func (p *pillars) view(card *Scorecard, q url.Values, path string) *Scorecard {
	out := *card
	services := card.Services
	if name := q.Get("service"); name != "" {
		services = nil
		for _, s := range card.Services {
			if s.Identity["service.name"] == name {
				services = append(services, s)
			}
		}
		out.Page = &Page{Service: name}
	} else {
		out.Page = &Page{}
	}
	offset, _ := strconv.Atoi(q.Get("offset"))
	offset = min(max(offset, 0), len(services))
	end := min(offset+p.cfg.PageSize, len(services))
	out.Services = services[offset:end]
	out.Page.Offset, out.Page.Limit, out.Page.Total = offset, p.cfg.PageSize, len(services)
	out.Page.Omitted = len(services) - len(out.Services)
	if end < len(services) {
		next := url.Values{"offset": {strconv.Itoa(end)}}
		if out.Page.Service != "" {
			next.Set("service", out.Page.Service)
		}
		out.Page.Next = path + "?" + next.Encode()
	}
	return &out
}

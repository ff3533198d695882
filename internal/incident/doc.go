// Package incident turns SLO alert state into incident records: it opens one when a page alert
// starts for a series, follows its peak burn and budget consumed, resolves it when the page
// clears, merges pages that come back within the merge window, ranks the attribute values that
// separate bad from good events (lift) and renders a postmortem draft. It has no collector
// imports; the slo connector feeds it and publishes what it returns.
package incident

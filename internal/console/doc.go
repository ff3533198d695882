// Package console is the SRE console's web pages: the SLO list and detail pages drawn from
// the sre_state board and the history its connectors keep, the incidents, and the pages
// other components mount on the board (pillars' scorecard). It renders charts as SVG on the
// server, so the pages need no script and keep the strict content security policy.
package console

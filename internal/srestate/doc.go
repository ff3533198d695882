// Package srestate is the SRE state one collector's components share: each SLO series' alert
// state, burn rates and budget as the slo connector last evaluated them, the incidents it
// opened, and the deployments the pillars exporter de-duplicated. The sre_state extension owns
// one Board; components reach it through the host's extensions, never a package variable.
// Every table is bounded, and readers get copies, so no reader holds a writer's lock for long.
package srestate

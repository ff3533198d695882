// Package window holds the SLO maths of the slo connector with no collector imports: event-time
// bucketed rings, rolling and calendar periods, SLIs, burn rates, error budgets, time to
// exhaustion and multi-window multi-burn-rate alert state. Callers pass the time in, so tests
// drive it with a scripted clock.
package window

// Package score holds the scoring maths of the pillars exporter with no collector imports:
// normalisation of check values, Keptn-style weighted pillar scores with coverage and key-check
// gating, status hysteresis, projection of canonical pillars onto the AWS, Azure and Google Cloud
// frameworks, the DORA four keys and their performance levels, and the gated SRE maturity ladder.
// Every result carries the inputs it was computed from, so it can explain itself.
package score

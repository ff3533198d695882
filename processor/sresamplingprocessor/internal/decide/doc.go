// Package decide holds the tail-sampling decisions of the sre_sampling processor with no
// collector imports: an O(1) summary per buffered trace, decision timing on a lazy timer wheel,
// a byte budget that decides the oldest traces early instead of dropping them, and the kept and
// dropped decision caches that late spans follow. Buffered spans are opaque byte chunks, and
// thresholds and randomness are OTEP 235 56-bit integers computed by the caller.
package decide

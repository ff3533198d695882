package stats

import (
	"math"
	"testing"
)

func TestWilsonLowerBound(t *testing.T) {
	z := ZScore(0.95)
	if math.Abs(z-1.959964) > 1e-5 {
		t.Fatalf("z(0.95) = %v, want 1.96", z)
	}
	if z99 := ZScore(0.99); math.Abs(z99-2.575829) > 1e-5 {
		t.Fatalf("z(0.99) = %v, want 2.576", z99)
	}
	for _, c := range []struct {
		name       string
		bad, valid float64
		z          float64
		want       float64
	}{
		// Reference values from the closed form evaluated independently (Python, float64).
		{"flap 3 of 227", 3, 227, z, 0.004505},
		{"2 % of 1800", 36, 1800, z, 0.014481},
		{"half of 100", 50, 100, z, 0.403832},
		{"12 of 200", 12, 200, z, 0.034652},
		{"1 of 10 at 99 %", 1, 10, 2.575829, 0.011852},
		{"all of 10", 10, 10, z, 10 / (10 + z*z)},
		{"none of 1000", 0, 1000, z, 0},
		{"no events", 0, 0, z, 0},
		{"more bad than valid is clamped", 5, 4, z, 4 / (4 + z*z)},
		{"z 0 is the point estimate", 3, 200, 0, 0.015},
		{"a negative z is 0", 3, 200, -1, 0.015},
		{"negative bad is clamped", -1, 10, 0, 0},
	} {
		got := WilsonLower(c.bad, c.valid, c.z)
		if !(math.Abs(got-c.want) <= 1e-6) { // NaN fails too
			t.Errorf("%s: lower bound %v, want %v", c.name, got, c.want)
		}
	}
	for _, valid := range []float64{math.Inf(1), math.NaN(), -1} {
		if got := WilsonLower(1, valid, z); got != 0 {
			t.Errorf("valid %v: %v, want 0", valid, got)
		}
	}
}

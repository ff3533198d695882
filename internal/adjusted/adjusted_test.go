package adjusted

import "testing"

func TestParse(t *testing.T) {
	for raw, want := range map[string]Weight{
		"":                                   {Count: 1},
		"ot=th:0":                            {Count: 1, Sampled: true}, // probability 1
		"ot=th:8":                            {Count: 2, Sampled: true},
		"ot=th:c":                            {Count: 4, Sampled: true},
		"ot=th:e666":                         {Count: 1 / (1 - float64(0xe666)/65536), Sampled: true},
		"ot=rv:abcdefabcdefab":               {Count: 1}, // randomness only
		"vendor=x,ot=th:8;rv:ffffffffffffff": {Count: 2, Sampled: true},
		"ot=th:8;rv:00":                      {Count: 1}, // a short rv: the whole ot value is malformed
		"ot=th:zz":                           {Count: 1}, // malformed
		"not a tracestate":                   {Count: 1},
		"vendor=x":                           {Count: 1},
	} {
		got := Parse(raw)
		if got.Sampled != want.Sampled || got.Count < want.Count*(1-1e-9) || got.Count > want.Count*(1+1e-9) {
			t.Errorf("Parse(%q) = %+v, want %+v", raw, got, want)
		}
	}
}

func TestReaderAgreesWithParseAndStaysBounded(t *testing.T) {
	r := NewReader()
	for _, raw := range []string{"", "ot=th:8", "ot=th:8", "garbage"} {
		if got, want := r.Read(raw), Parse(raw); got != want {
			t.Errorf("Read(%q) = %+v, Parse = %+v", raw, got, want)
		}
	}
	for i := 0; i < 3*maxRemembered; i++ {
		r.Read("vendor=" + string(rune('a'+i%26)) + string(rune(i)))
	}
	if r.memo.Len() > maxRemembered {
		t.Fatalf("memo holds %d tracestates, past its bound %d", r.memo.Len(), maxRemembered)
	}
	if r.memo.Len() == 0 {
		t.Fatal("the reader remembered nothing")
	}
}

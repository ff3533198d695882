package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestDefaultURL(t *testing.T) {
	for endpoint, want := range map[string]string{
		"":                "http://127.0.0.1:13133/",
		"0.0.0.0:13133":   "http://127.0.0.1:13133/",
		"[::]:9000":       "http://127.0.0.1:9000/",
		":13134":          "http://127.0.0.1:13134/",
		"10.1.2.3:13133":  "http://10.1.2.3:13133/",
		"127.0.0.1:20001": "http://127.0.0.1:20001/",
	} {
		if got := defaultURL(endpoint); got != want {
			t.Errorf("defaultURL(%q) = %q, want %q", endpoint, got, want)
		}
	}
}

func TestProbe(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	defer srv.Close()
	if err := probe(srv.URL, time.Second); err != nil {
		t.Fatalf("healthy server: %v", err)
	}
	status = http.StatusServiceUnavailable
	if err := probe(srv.URL, time.Second); err == nil {
		t.Fatal("503 reported healthy")
	}
	srv.Close()
	if err := probe(srv.URL, time.Second); err == nil {
		t.Fatal("closed server reported healthy")
	}
}

// Command healthprobe is the container health check of the otelcol-sre image, which is built on
// scratch and so has no shell, curl or wget. It asks the health_check extension whether the
// collector is serving and exits 0 only on HTTP 200, so a collector that has stopped answering
// is reported unhealthy rather than merely present.
//
//	healthprobe [-url http://127.0.0.1:13133/] [-timeout 3s]
//
// Without -url it derives the address from HEALTH_CHECK_ENDPOINT, as the shipped configs do,
// and asks on loopback when that endpoint listens on every interface.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	url := flag.String("url", "", "health_check URL (default from HEALTH_CHECK_ENDPOINT, else http://127.0.0.1:13133/)")
	timeout := flag.Duration("timeout", 3*time.Second, "give up after this long")
	flag.Parse()
	if *url == "" {
		*url = defaultURL(os.Getenv("HEALTH_CHECK_ENDPOINT"))
	}
	if err := probe(*url, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "unhealthy:", err)
		os.Exit(1)
	}
}

func defaultURL(endpoint string) string {
	host, port, err := net.SplitHostPort(endpoint)
	if err != nil {
		return "http://127.0.0.1:13133/"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

func probe(url string, timeout time.Duration) error {
	client := &http.Client{Timeout: timeout}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d: %s", url, resp.StatusCode, body)
	}
	return nil
}

//go:build integration

package integration

import (
	"bufio"
	"fmt"
	"os"

	"go.opentelemetry.io/collector/pdata/plog"
)

// countLogRecords counts the records in the file exporter's OTLP-JSON-per-line log output.
func countLogRecords(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var um plog.JSONUnmarshaler
	n := 0
	for sc.Scan() {
		ld, err := um.UnmarshalLogs(sc.Bytes())
		if err != nil {
			return n, fmt.Errorf("%s: %w", path, err)
		}
		n += ld.LogRecordCount()
	}
	return n, sc.Err()
}

func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }

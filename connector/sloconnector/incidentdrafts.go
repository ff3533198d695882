package sloconnector

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/window"
	"github.com/otelcol-sre/otelcol-sre/internal/incident"
	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// writeDraft writes the postmortem draft of an incident to incidents_dir, atomically.
func (c *sloConnector) writeDraft(inc srestate.Incident, now time.Time) {
	if c.incidents.dir == "" {
		return
	}
	name := filepath.Join(c.incidents.dir, draftName(inc))
	tmp, err := os.CreateTemp(c.incidents.dir, ".draft-*")
	if err == nil {
		// CreateTemp makes 0600; a draft is for the team to read and edit, like any file the
		// collector's user writes (the umask still applies to neither).
		err = tmp.Chmod(0o644)
		_, werr := tmp.WriteString(incident.Postmortem(inc, now, c.incidents.cfg.TraceURL))
		err = errors.Join(err, werr)
		err = errors.Join(err, tmp.Close())
		if err == nil {
			err = os.Rename(tmp.Name(), name)
		}
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}
	if err != nil {
		c.logger.Warn("writing the postmortem draft failed", zap.String("file", name), zap.Error(err))
	}
}

// draftName is the draft's file name: start date, SLO and ID, safe for any file system.
func draftName(inc srestate.Incident) string {
	slo := strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
			return r
		}
		return '_'
	}, inc.SLO)
	return inc.Start.UTC().Format("2006-01-02") + "-" + slo + "-" + inc.ID + ".md"
}

func periodStart(spec *window.Spec, now time.Time) time.Time {
	start, _ := spec.Period.Bounds(now)
	return start
}

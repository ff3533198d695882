package srestateextension

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/confmap"
	"go.uber.org/zap"

	"github.com/otelcol-sre/otelcol-sre/internal/console"
)

// ConsoleConfig is the SRE console's server: the standard confighttp server settings
// (endpoint, tls, auth, …) and the pages' bounds. It is off while endpoint is empty.
type ConsoleConfig struct {
	HTTP confighttp.ServerConfig `mapstructure:",squash"`
	// PageSize is the most SLO series one /slos response holds, worst budget first
	// (default 100); ?offset= pages on.
	PageSize int `mapstructure:"page_size"`
	// TraceURL links exemplar traces in incident postmortem drafts: "{trace_id}" is replaced.
	TraceURL string `mapstructure:"trace_url"`
}

func defaultConsole() ConsoleConfig {
	server := confighttp.NewDefaultServerConfig()
	server.NetAddr.Endpoint = ""
	return ConsoleConfig{HTTP: server, PageSize: 100}
}

func (c *ConsoleConfig) validate() error {
	if c.HTTP.NetAddr.Endpoint == "" {
		return nil
	}
	if c.PageSize < 1 || c.PageSize > 10_000 {
		return fmt.Errorf("console.page_size: %d must be between 1 and 10000", c.PageSize)
	}
	return nil
}

// serverKeys is confighttp.ServerConfig without its methods: decoding into it checks the
// server's keys strictly without running the ServerConfig's own Unmarshal.
type serverKeys confighttp.ServerConfig

// Unmarshal lets confighttp decode the server settings its own way, then decodes the whole map
// strictly, so a key that belongs to neither the server nor the console is rejected.
func (c *ConsoleConfig) Unmarshal(conf *confmap.Conf) error {
	if err := c.HTTP.Unmarshal(conf); err != nil {
		return err
	}
	strict := struct {
		HTTP     serverKeys `mapstructure:",squash"`
		PageSize int        `mapstructure:"page_size"`
		TraceURL string     `mapstructure:"trace_url"`
	}{HTTP: serverKeys(c.HTTP), PageSize: c.PageSize, TraceURL: c.TraceURL}
	if err := conf.Unmarshal(&strict); err != nil {
		return err
	}
	c.PageSize, c.TraceURL = strict.PageSize, strict.TraceURL
	return nil
}

// startConsole serves the console when an endpoint is configured.
func (e *stateExtension) startConsole(ctx context.Context, host component.Host) error {
	cc := &e.cfg.Console
	if cc.HTTP.NetAddr.Endpoint == "" {
		return nil
	}
	pages := console.New(e.board, console.Options{PageSize: cc.PageSize, TraceURL: cc.TraceURL,
		Warn: func(msg string, err error) { e.set.Logger.Warn(msg, zap.Error(err)) }})
	ln, err := cc.HTTP.ToListener(ctx)
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	srv, err := cc.HTTP.ToServer(ctx, host.GetExtensions(), e.set, pages.Handler())
	if err != nil {
		ln.Close()
		return fmt.Errorf("console: %w", err)
	}
	e.server = srv
	e.board.SetConsoleAddr(ln.Addr().String())
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			e.set.Logger.Error("sre_state console stopped", zap.Error(err))
		}
	}()
	return nil
}

// Package app wires the controller together: configuration, PostgreSQL, Redis, the ARI
// connection, the call flow and the HTTP server. cmd/ikomekd runs it, and end-to-end
// tests run the same wiring on port 0.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	goredis "github.com/redis/go-redis/v9"

	"github.com/ikomek/ikomek/internal/ari"
	"github.com/ikomek/ikomek/internal/callflow"
	"github.com/ikomek/ikomek/internal/config"
	"github.com/ikomek/ikomek/internal/httpapi"
	"github.com/ikomek/ikomek/internal/postgres"
)

// App is one running controller.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	DB       *postgres.DB
	Redis    *goredis.Client
	ARI      *ari.Client
	Flow     *callflow.Controller
	Registry *prometheus.Registry

	listener net.Listener
	server   *http.Server
	stream   *ari.EventStream
	closeMu  sync.Mutex
	closed   bool
}

// New builds the controller from validated settings. It connects to nothing yet
// except through lazily connecting pools: the controller starts while PostgreSQL,
// Redis or Asterisk are down, and readiness says which.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, Registry: prometheus.NewRegistry()}
	var err error
	if a.DB, err = postgres.Open(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	ropt, err := goredis.ParseURL(cfg.RedisURL)
	if err != nil {
		a.DB.Close()
		return nil, fmt.Errorf("redis: %w", err)
	}
	a.Redis = goredis.NewClient(ropt)
	if a.ARI, err = ari.NewClient(cfg.ARIURL, cfg.ARIUser, cfg.ARIPassword, ari.WithLogger(log)); err != nil {
		a.Close()
		return nil, err
	}
	a.Flow = &callflow.Controller{
		Log: log, Calls: a.DB.Calls(),
		Channels: a.ARI.Channels(), Playbacks: a.ARI.Playbacks(), Applications: a.ARI.Applications(),
		Asterisk: a.ARI.Asterisk(), App: cfg.ARIApp, Greeting: cfg.Greeting, Language: cfg.Language,
	}
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.Flow.Register(a.Registry)

	api := &httpapi.Server{
		Log: log, Tokens: a.DB.Tokens(), Calls: a.DB.Calls(), Gatherer: a.Registry, Registerer: a.Registry,
		Checks: map[string]httpapi.Check{
			"postgres": a.DB.Ping,
			"redis":    func(ctx context.Context) error { return a.Redis.Ping(ctx).Err() },
			"ari":      a.ariReady,
		},
	}
	a.server = &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second}
	if a.listener, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
		a.Close()
		return nil, fmt.Errorf("http: %w", err)
	}
	return a, nil
}

// Addr is the HTTP address actually listened on (useful with port 0).
func (a *App) Addr() string { return a.listener.Addr().String() }

func (a *App) ariReady(ctx context.Context) error {
	if a.stream == nil {
		return errors.New("not started")
	}
	if st := a.stream.State(); st != ari.StreamConnected {
		if err := a.stream.Err(); err != nil {
			return fmt.Errorf("%s: %v", st, err)
		}
		return fmt.Errorf("%s (retrying)", st)
	}
	_, err := a.ARI.Asterisk().Ping(ctx)
	return err
}

// Run serves HTTP and handles calls until ctx ends or the application is replaced by
// another controller (then it returns ari.ErrApplicationReplaced).
func (a *App) Run(ctx context.Context) error {
	a.Log.Info("ikomekd starting", a.Config.LogAttrs()...)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	a.stream = a.ARI.Subscribe(ctx, a.Config.ARIApp)
	a.Registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "ikomek_ari_connected", Help: "1 while the ARI event socket is open.",
		}, func() float64 {
			if a.stream.State() == ari.StreamConnected {
				return 1
			}
			return 0
		}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "ikomek_ari_reconnects_total", Help: "Times the ARI event socket was opened again.",
		}, func() float64 { return float64(a.stream.Reconnects()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "ikomek_ari_event_backlog", Help: "ARI events received and not yet handled.",
		}, func() float64 { return float64(a.stream.Backlog()) }),
	)

	errc := make(chan error, 2)
	go func() {
		a.Log.Info("HTTP API listening", "addr", "http://"+a.Addr(), "metrics", "http://"+a.Addr()+"/metrics")
		if err := a.server.Serve(a.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http: %w", err)
		}
	}()
	flowDone := make(chan error, 1)
	go func() { flowDone <- a.Flow.Run(ctx, a.stream.Events()) }()

	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	case <-flowDone:
		flowDone <- nil
		if serr := a.stream.Err(); errors.Is(serr, ari.ErrApplicationReplaced) {
			a.Log.Warn("another controller took over the Stasis application; stopping")
			err = serr
		}
	}
	cancel()
	shutdown, scancel := context.WithTimeout(context.Background(), a.Config.Shutdown)
	defer scancel()
	a.server.Shutdown(shutdown)
	select {
	case <-flowDone:
	case <-shutdown.Done():
		a.Log.Warn("calls still in hand at shutdown; Asterisk keeps them in Stasis for the next controller")
	}
	a.stream.Close()
	return err
}

// Close releases the pools. Run must have returned.
func (a *App) Close() {
	a.closeMu.Lock()
	defer a.closeMu.Unlock()
	if a.closed {
		return
	}
	a.closed = true
	if a.listener != nil {
		a.listener.Close()
	}
	if a.Redis != nil {
		a.Redis.Close()
	}
	if a.DB != nil {
		a.DB.Close()
	}
}

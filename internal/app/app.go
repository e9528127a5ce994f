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
	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/callflow"
	"github.com/ikomek/ikomek/internal/config"
	"github.com/ikomek/ikomek/internal/httpapi"
	"github.com/ikomek/ikomek/internal/operators"
	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/recordings"
	"github.com/ikomek/ikomek/internal/redis"
	"github.com/ikomek/ikomek/internal/sipaccounts"
)

// App is one running controller.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	DB       *postgres.DB
	Redis    *goredis.Client
	ARI      *ari.Client
	Flow     *callflow.Controller
	Presence *redis.Presence
	Archiver *recordings.Archiver
	SIP      *sipaccounts.Provisioner
	Registry *prometheus.Registry

	archive  chan struct{}
	stateLog chan operators.StateChange

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
	a.stateLog = make(chan operators.StateChange, 4096)
	a.Presence = redis.NewPresence(redis.New(a.Redis, cfg.RedisPrefix), cfg.MaxMissed,
		func(c operators.StateChange) { a.stateLog <- c })
	a.archive = make(chan struct{}, 1)
	settings := callflow.DefaultSettings()
	settings.RingTimeout, settings.WrapUp, settings.AnnounceEvery = cfg.RingTimeout, cfg.WrapUp, cfg.AnnounceEvery
	settings.LanguageMenu = cfg.LanguageMenu
	a.Flow = &callflow.Controller{
		Log: log, Calls: a.DB.Calls(), Queue: a.Presence, Recordings: a.DB.Recordings(),
		Channels: a.ARI.Channels(), Bridges: a.ARI.Bridges(), Playbacks: a.ARI.Playbacks(),
		LiveRecordings: a.ARI.Recordings(), Applications: a.ARI.Applications(), Endpoints: a.ARI.Endpoints(),
		Asterisk: a.ARI.Asterisk(), App: cfg.ARIApp, Greeting: cfg.Greeting, Language: cfg.Language,
		Settings: settings, Tickets: callTickets{a.DB.Tickets()}, QCCases: a.DB.QC(),
		Prioritize: callTickets{a.DB.Tickets()}.prioritize(time.Now),
		RecordingFinished: func() {
			select {
			case a.archive <- struct{}{}:
			default:
			}
		},
	}
	a.Archiver = &recordings.Archiver{Store: a.DB.Recordings(), Source: ariRecordings{a.ARI.Recordings()},
		Dir: cfg.RecordingsDir, Log: log, Now: time.Now}
	a.SIP = &sipaccounts.Provisioner{Asterisk: a.ARI.Asterisk(), Endpoints: a.ARI.Endpoints(), Log: log}
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.Flow.Register(a.Registry, a.loggedIn)
	a.registerOperatorMetrics()

	api := &httpapi.Server{
		Log: log, Tokens: &auth.Cache{Next: a.DB.Tokens()}, Calls: a.DB.Calls(), Gatherer: a.Registry, Registerer: a.Registry,
		Tickets: a.DB.Tickets(), Catalog: a.DB.Catalog(), SLA: a.DB.SLA(), Outbox: a.DB.Outbox(),
		Operators: a.DB.Operators(), Presence: a.Presence, Provision: a.SyncOperators,
		Recordings: a.DB.RecordingIndex(), Access: a.DB.RecordingAccess(), RecordingsDir: cfg.RecordingsDir, QC: a.DB.QC(),
		Roster: a.DB.Staffing(), StaffingNow: a.staffingMonitor(), Availability: a.DB.Availability(),
		Queue: a.Presence,
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
	defer a.startTickets(ctx)()

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
		a.Log.Info("HTTP API listening", "addr", "http://"+a.Addr(), "metrics", "http://"+a.Addr()+"/metrics",
			"console", "http://"+a.Addr()+"/console/")
		if err := a.server.Serve(a.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http: %w", err)
		}
	}()
	flowDone := make(chan error, 1)
	go func() { flowDone <- a.Flow.Run(ctx, a.stream.Events()) }()
	var workers sync.WaitGroup
	workers.Go(func() { a.writeStateLog(ctx) })
	workers.Go(func() { a.syncOperators(ctx) })
	workers.Go(func() { a.Archiver.Run(ctx, a.Flow.AsteriskID, a.archive, 30*time.Second) })
	workers.Go(func() { a.sampleForReview(ctx) })
	workers.Go(func() { a.staffingLive(ctx) })
	defer workers.Wait()

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

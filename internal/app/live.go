package app

import (
	"context"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ikomek/ikomek/internal/ari"
	"github.com/ikomek/ikomek/internal/operators"
)

// ariRecordings is Asterisk's stored recordings as a recordings.Source.
type ariRecordings struct{ r ari.Recordings }

func (s ariRecordings) Download(ctx context.Context, name string) (io.ReadCloser, error) {
	f, err := s.r.DownloadStored(ctx, name)
	if err != nil {
		return nil, err
	}
	return f.Body, nil
}

func (s ariRecordings) Delete(ctx context.Context, name string) error {
	return s.r.DeleteStored(ctx, name)
}

// writeStateLog writes operators' state changes to PostgreSQL in order. The channel is
// large; a full one makes presence changes wait rather than lose history.
func (a *App) writeStateLog(ctx context.Context) {
	store := a.DB.Operators()
	for {
		select {
		case <-ctx.Done():
			// Drain what is queued so a clean shutdown loses nothing.
			for {
				select {
				case c := <-a.stateLog:
					a.recordState(context.WithoutCancel(ctx), store, c)
				default:
					return
				}
			}
		case c := <-a.stateLog:
			a.recordState(ctx, store, c)
		}
	}
}

func (a *App) recordState(ctx context.Context, store operators.Store, c operators.StateChange) {
	for attempt := 0; ; attempt++ {
		err := store.RecordState(ctx, c)
		if err == nil || ctx.Err() != nil {
			return
		}
		if attempt == 0 || attempt%30 == 0 {
			a.Log.Error("cannot record operator state change; retrying", "login", c.Login, "to", c.To, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// syncOperators keeps presence and the operators' SIP accounts on Asterisk in line
// with PostgreSQL, the source of truth: at start (as soon as Asterisk answers) and
// then every 30 seconds, or when SyncNow is called.
func (a *App) syncOperators(ctx context.Context) {
	interval := 2 * time.Second // until the first full sync
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := a.SyncOperators(ctx); err != nil {
			if ctx.Err() == nil {
				a.Log.Warn("operator sync incomplete; retrying", "err", err)
			}
		} else {
			interval = 30 * time.Second
		}
		t.Reset(interval)
	}
}

// SyncOperators provisions SIP accounts and refreshes presence from the records.
func (a *App) SyncOperators(ctx context.Context) error {
	store := a.DB.Operators()
	ops, err := store.List(ctx, true)
	if err != nil {
		return err
	}
	// After a loss of Redis the operators come back as their state log last saw them.
	last, err := store.LastStates(ctx)
	if err != nil {
		return err
	}
	added, err := a.Presence.SyncRestoring(ctx, ops, last)
	if err != nil {
		return err
	}
	if err := a.SIP.SyncFrom(ctx, store); err != nil {
		return err
	}
	// Operators just added to the live state (new, or all of them after a loss of
	// Redis) learn their softphones' registration from Asterisk.
	if added > 0 {
		if err := a.Flow.RefreshRegistrations(ctx); err != nil {
			return err
		}
	}
	a.Flow.Kick()
	return nil
}

func (a *App) loggedIn() int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	ls, err := a.Presence.LiveAll(ctx)
	if err != nil {
		return 1
	}
	n := 0
	for _, l := range ls {
		if l.State != operators.Offline {
			n++
		}
	}
	return n
}

// operatorCollector reports operators by live state at each scrape.
type operatorCollector struct {
	a    *App
	desc *prometheus.Desc
}

func (c operatorCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c operatorCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	ls, err := c.a.Presence.LiveAll(ctx)
	if err != nil {
		return
	}
	counts := map[operators.State]int{}
	for _, l := range ls {
		counts[l.State]++
	}
	for _, st := range []operators.State{operators.Offline, operators.Available, operators.Ringing, operators.OnCall,
		operators.WrapUp, operators.Paused} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[st]), string(st))
	}
}

func (a *App) registerOperatorMetrics() {
	a.Registry.MustRegister(operatorCollector{a: a, desc: prometheus.NewDesc("ikomek_operators",
		"Operators by live state.", []string{"state"}, nil)})
	a.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ikomek_queue_waiting", Help: "Calls in line for an operator, all controllers.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n, _ := a.Presence.Waiting(ctx)
		return float64(n)
	}))
}

package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ikomek/ikomek/internal/staffing/live"
)

// astana is the clock of the staffing intervals and rosters (UTC+5, no DST).
var astana = time.FixedZone("UTC+05:00", 5*3600)

// staffingMonitor compares the current interval with the roster and forecast.
func (a *App) staffingMonitor() *live.Monitor {
	return &live.Monitor{Roster: a.DB.Staffing(), Presence: a.Presence, History: a.DB.Staffing(),
		Interval: 30 * time.Minute, Location: astana, WrapUp: a.Config.WrapUp}
}

// staffingLive keeps the staffing gauges of the current interval up to date.
// Every controller may run it: the figures come from shared state.
func (a *App) staffingLive(ctx context.Context) {
	ops := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "ikomek_staffing_operators",
		Help: "Operators now: planned (rostered shift covering now), logged_in, available.",
	}, []string{"kind"})
	calls := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "ikomek_staffing_calls",
		Help: "Calls of the current 30-minute interval: forecast for all of it, actual so far.",
	}, []string{"kind"})
	if err := a.Registry.Register(ops); err != nil {
		a.Log.Error("staffing metrics", "err", err)
		return
	}
	if err := a.Registry.Register(calls); err != nil {
		a.Log.Error("staffing metrics", "err", err)
		return
	}
	m := a.staffingMonitor()
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		snap, err := m.Snapshot(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			a.Log.Warn("staffing snapshot failed", "err", err)
		case err == nil:
			ops.WithLabelValues("planned").Set(float64(len(snap.Planned)))
			ops.WithLabelValues("logged_in").Set(float64(len(snap.LoggedIn)))
			ops.WithLabelValues("available").Set(float64(len(snap.Available)))
			calls.WithLabelValues("actual").Set(snap.ActualCalls)
			if snap.ForecastCalls != nil {
				calls.WithLabelValues("forecast").Set(*snap.ForecastCalls)
			} else {
				calls.DeleteLabelValues("forecast")
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

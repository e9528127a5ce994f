package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ikomek/ikomek/internal/staffing/live"
)

// staffingRefresh is how often the staffing gauges are brought up to date.
const staffingRefresh = 30 * time.Second

// staffingMonitor compares the current interval with the roster and forecast,
// on the interval and clock of the configuration.
func (a *App) staffingMonitor() *live.Monitor {
	s := a.Config.Staffing()
	return &live.Monitor{Roster: a.DB.Staffing(), Presence: a.Presence, History: a.DB.Staffing(),
		Interval: s.Interval, Location: s.Location, WrapUp: a.Config.WrapUp}
}

// staffingGauges are the gauges of the live staffing view, set from the
// monitor's snapshots.
type staffingGauges struct {
	monitor   *live.Monitor
	operators *prometheus.GaugeVec
	calls     *prometheus.GaugeVec
}

// newStaffingGauges registers the staffing gauges with reg.
func newStaffingGauges(reg prometheus.Registerer, m *live.Monitor) (*staffingGauges, error) {
	g := &staffingGauges{
		monitor: m,
		operators: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ikomek_staffing_operators",
			Help: "Operators now: planned (rostered shift covering now), logged_in, available.",
		}, []string{"kind"}),
		calls: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ikomek_staffing_calls",
			Help: "Calls of the current staffing interval (--staffing-interval): forecast for all of it, actual so far.",
		}, []string{"kind"}),
	}
	for _, c := range []prometheus.Collector{g.operators, g.calls} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// update takes one snapshot and sets the gauges from it; on an error they
// keep their last values. Without a forecast the forecast gauge is removed
// rather than left stale.
func (g *staffingGauges) update(ctx context.Context) error {
	snap, err := g.monitor.Snapshot(ctx)
	if err != nil {
		return err
	}
	g.operators.WithLabelValues("planned").Set(float64(len(snap.Planned)))
	g.operators.WithLabelValues("logged_in").Set(float64(len(snap.LoggedIn)))
	g.operators.WithLabelValues("available").Set(float64(len(snap.Available)))
	g.calls.WithLabelValues("actual").Set(snap.ActualCalls)
	if snap.ForecastCalls != nil {
		g.calls.WithLabelValues("forecast").Set(*snap.ForecastCalls)
	} else {
		g.calls.DeleteLabelValues("forecast")
	}
	return nil
}

// staffingLive keeps the staffing gauges of the current interval up to date.
// Every controller may run it: the figures come from shared state.
func (a *App) staffingLive(ctx context.Context) {
	g, err := newStaffingGauges(a.Registry, a.staffingMonitor())
	if err != nil {
		a.Log.Error("staffing metrics", "err", err)
		return
	}
	t := time.NewTicker(staffingRefresh)
	defer t.Stop()
	for {
		if err := g.update(ctx); err != nil && ctx.Err() == nil {
			a.Log.Warn("staffing snapshot failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

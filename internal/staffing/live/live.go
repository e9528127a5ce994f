// Package live compares the staffing of the current interval with the plan:
// operators rostered now against those logged in and available, and calls
// forecast for the interval against calls arrived so far.
package live

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ikomek/ikomek/internal/operators"
	"github.com/ikomek/ikomek/internal/staffing/forecast"
	"github.com/ikomek/ikomek/internal/staffing/roster"
)

// Presence gives the operators' live states; *redis.Presence satisfies it.
type Presence interface {
	// LiveAll returns the live state of every operator known to presence;
	// operators it does not list are offline.
	LiveAll(ctx context.Context) ([]operators.Live, error)
}

// Snapshot is the staffing of the current interval.
type Snapshot struct {
	At            time.Time `json:"at"`
	IntervalStart time.Time `json:"interval_start"`
	IntervalEnd   time.Time `json:"interval_end"`

	// Planned are the operators whose rostered shift covers At, on break or
	// not; OnBreak those of them on their planned break.
	Planned []string `json:"planned"`
	OnBreak []string `json:"on_break"`
	// LoggedIn are the operators in any state but offline; Available those
	// waiting for a call.
	LoggedIn  []string `json:"logged_in"`
	Available []string `json:"available"`
	// Absent are planned, not on break and not logged in; Unplanned are
	// logged in without a shift now.
	Absent    []string `json:"absent"`
	Unplanned []string `json:"unplanned"`

	// ForecastCalls is the forecast of calls for the whole interval, nil
	// when there is no history to forecast from (ForecastError says why).
	ForecastCalls *float64 `json:"forecast_calls"`
	ForecastError string   `json:"forecast_error,omitempty"`
	// ActualCalls are the calls arrived since the interval started.
	ActualCalls float64 `json:"actual_calls"`
}

// Monitor builds snapshots. The zero values of the optional fields are
// documented next to them.
type Monitor struct {
	Roster   roster.Store
	Presence Presence
	History  forecast.History

	// Line restricts calls to one line; empty means all.
	Line string
	// Interval is the forecast interval; 0 means 30 minutes.
	Interval time.Duration
	// Location is the clock of the intervals and the forecast; nil means UTC.
	Location *time.Location
	// Weeks of history behind the forecast; 0 means 8.
	Weeks int
	// WrapUp is added to the talk time of answered calls.
	WrapUp time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu        sync.Mutex
	cachedAt  time.Time // interval start of cached
	cached    *float64
	cachedErr string
}

func (m *Monitor) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Monitor) interval() time.Duration {
	if m.Interval > 0 {
		return m.Interval
	}
	return 30 * time.Minute
}

func (m *Monitor) location() *time.Location {
	if m.Location != nil {
		return m.Location
	}
	return time.UTC
}

// intervalStart is the start of the interval holding t on the local clock.
func (m *Monitor) intervalStart(t time.Time) time.Time {
	t = t.In(m.location())
	midnight := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	return midnight.Add(t.Sub(midnight).Truncate(m.interval()))
}

// Snapshot reads the roster, presence and call records for the current
// interval. A failing forecast (no history yet) is reported in the snapshot,
// not as an error; failing stores are errors.
func (m *Monitor) Snapshot(ctx context.Context) (snap Snapshot, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("live.Snapshot: %w", err)
		}
	}()
	if m.Roster == nil || m.Presence == nil || m.History == nil {
		return Snapshot{}, errors.New("monitor needs a roster, presence and history")
	}
	now := m.now()
	start := m.intervalStart(now)
	snap = Snapshot{At: now, IntervalStart: start, IntervalEnd: start.Add(m.interval())}

	shifts, err := m.Roster.Assignments(ctx, roster.Filter{From: now, To: now.Add(time.Nanosecond)})
	if err != nil {
		return Snapshot{}, err
	}
	planned := map[string]bool{}
	for _, a := range shifts {
		if planned[a.Login] {
			continue
		}
		planned[a.Login] = true
		snap.Planned = append(snap.Planned, a.Login)
		if a.OnBreak(now) {
			snap.OnBreak = append(snap.OnBreak, a.Login)
		}
	}
	live, err := m.Presence.LiveAll(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	loggedIn := map[string]bool{}
	for _, l := range live {
		if l.State == operators.Offline || l.State == "" {
			continue
		}
		loggedIn[l.Login] = true
		snap.LoggedIn = append(snap.LoggedIn, l.Login)
		if l.State == operators.Available {
			snap.Available = append(snap.Available, l.Login)
		}
		if !planned[l.Login] {
			snap.Unplanned = append(snap.Unplanned, l.Login)
		}
	}
	for _, login := range snap.Planned {
		if !loggedIn[login] && !slices.Contains(snap.OnBreak, login) {
			snap.Absent = append(snap.Absent, login)
		}
	}
	for _, l := range []*[]string{&snap.Planned, &snap.OnBreak, &snap.LoggedIn, &snap.Available, &snap.Absent, &snap.Unplanned} {
		if *l == nil {
			*l = []string{}
		}
		slices.Sort(*l)
	}

	if now.After(start) {
		obs, err := m.History.Observations(ctx, forecast.HistoryQuery{Line: m.Line, Since: start, Until: now, Interval: m.interval(), WrapUp: m.WrapUp})
		if err != nil {
			return Snapshot{}, err
		}
		for _, o := range obs {
			snap.ActualCalls += o.Calls
		}
	}
	snap.ForecastCalls, snap.ForecastError = m.forecast(ctx, start)
	return snap, nil
}

// forecast returns the calls forecast for the interval starting at start,
// built from the Weeks before that day and kept until the interval changes.
func (m *Monitor) forecast(ctx context.Context, start time.Time) (*float64, string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cachedAt.Equal(start) && (m.cached != nil || m.cachedErr != "") {
		return m.cached, m.cachedErr
	}
	weeks := m.Weeks
	if weeks <= 0 {
		weeks = 8
	}
	day := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, start.Location())
	q := forecast.HistoryQuery{Line: m.Line, Since: day.AddDate(0, 0, -7*weeks), Until: day, Interval: m.interval(), WrapUp: m.WrapUp}
	obs, err := m.History.Observations(ctx, q)
	if err != nil {
		return nil, err.Error() // not cached: the store may be back next time
	}
	var calls *float64
	msg := ""
	if f, err := forecast.Build(obs, forecast.Options{Interval: m.interval(), HistoryInterval: m.interval(), Location: m.location(), Month: start.Month()}); err != nil {
		msg = err.Error()
	} else {
		slot := int(start.Sub(day) / m.interval())
		v := f.Calls[forecast.Weekday(start)][slot]
		calls = &v
	}
	m.cachedAt, m.cached, m.cachedErr = start, calls, msg
	return calls, msg
}

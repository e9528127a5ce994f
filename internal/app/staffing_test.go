package app

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ikomek/ikomek/internal/config"
	"github.com/ikomek/ikomek/internal/operators"
	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/redis"
	"github.com/ikomek/ikomek/internal/staffing/live"
	"github.com/ikomek/ikomek/internal/staffing/roster"
	"github.com/ikomek/ikomek/internal/testenv"
)

// gaugeValue reads one gauge from reg; ok is false when it is not there.
func gaugeValue(tb testing.TB, reg prometheus.Gatherer, name, kind string) (v float64, ok bool) {
	tb.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" && l.GetValue() == kind {
					return m.GetGauge().GetValue(), true
				}
			}
		}
	}
	return 0, false
}

// insertCall records a call that arrived at t and was answered for a minute.
func insertCall(tb testing.TB, db *postgres.DB, t time.Time) {
	tb.Helper()
	if _, err := db.Pool.Exec(context.Background(), `INSERT INTO calls
		(asterisk_id, channel_id, line, state, outcome, arrived_at, connected_at, ended_at)
		VALUES ('ast1', $1, '109', 'ended', 'completed', $2, $3, $4)`,
		"ch-"+testenv.RandomSuffix(12), t, t.Add(10*time.Second), t.Add(70*time.Second)); err != nil {
		tb.Fatal(err)
	}
}

// The live gauges follow a stored roster, the operators' state in Redis and
// the call records, on the configured interval and clock, one update at a
// time with an injected clock.
func TestStaffingGauges(t *testing.T) {
	ctx := context.Background()
	db := testenv.Postgres(t)
	rdb, prefix := testenv.Redis(t)
	presence := redis.NewPresence(redis.New(rdb, prefix), 3, func(operators.StateChange) {})
	// A 15-minute interval: a 30-minute one would count today's 08:10 call too.
	cfg := config.Config{StaffingInterval: 15 * time.Minute, StaffingZone: "+05:00", WrapUp: 30 * time.Second}
	a := &App{Config: cfg, DB: db, Presence: presence}
	tz := time.FixedZone("", 5*3600)
	monday := time.Date(2026, 11, 30, 0, 0, 0, 0, tz)
	at := func(day time.Time, h, m int) time.Time {
		return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	now := at(monday, 8, 20) // the interval 08:15-08:30
	m := a.staffingMonitor()
	m.Now = func() time.Time { return now }
	if _, off := now.In(m.Location).Zone(); m.Interval != 15*time.Minute || off != 5*3600 {
		t.Fatalf("monitor on %v intervals at offset %d, want the configured 15m at +05:00", m.Interval, off)
	}
	reg := prometheus.NewRegistry()
	g, err := newStaffingGauges(reg, m)
	if err != nil {
		t.Fatal(err)
	}

	// Roster: three operators on 08:00-20:00, one whose shift ended at 08:00.
	if _, err := db.Staffing().SaveRoster(ctx, roster.StoredPlan{PeriodMinutes: 15, WeekStart: monday}, []roster.Assignment{
		{Login: "aigerim", StartsAt: at(monday, 8, 0), EndsAt: at(monday, 20, 0)},
		{Login: "bolat", StartsAt: at(monday, 8, 0), EndsAt: at(monday, 20, 0)},
		{Login: "dana", StartsAt: at(monday, 8, 0), EndsAt: at(monday, 20, 0)},
		{Login: "erlan", StartsAt: at(monday, 0, 0), EndsAt: at(monday, 8, 0)},
	}); err != nil {
		t.Fatal(err)
	}
	// Presence: bolat and erlan (off shift) logged in and available; dana
	// logged in and paused; aigerim not logged in.
	var ops []operators.Operator
	for _, l := range []string{"aigerim", "bolat", "dana", "erlan"} {
		ops = append(ops, operators.Operator{Login: l, Languages: []string{"ru"}, Lines: []string{"109"}, Active: true})
	}
	if err := presence.Sync(ctx, ops); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"bolat", "erlan"} {
		if _, err := presence.SetRegistered(ctx, l, true, "ast1"); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range []string{"bolat", "dana", "erlan"} {
		if err := presence.Login(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if err := presence.Pause(ctx, "dana", "training"); err != nil {
		t.Fatal(err)
	}
	// Calls: 3 in 08:15-08:30 on each of the two Mondays before (the
	// forecast), today one before the interval and two in it.
	for _, w := range []int{1, 2} {
		for _, min := range []int{16, 21, 27} {
			insertCall(t, db, at(monday.AddDate(0, 0, -7*w), 8, min))
		}
	}
	for _, min := range []int{10, 16, 19} {
		insertCall(t, db, at(monday, 8, min))
	}

	want := func(t *testing.T, name, kind string, v float64) {
		t.Helper()
		got, ok := gaugeValue(t, reg, name, kind)
		if !ok || math.Abs(got-v) > 1e-9 {
			t.Errorf("%s{kind=%q} = %v (present %t), want %v", name, kind, got, ok, v)
		}
	}
	if err := g.update(ctx); err != nil {
		t.Fatal(err)
	}
	want(t, "ikomek_staffing_operators", "planned", 3)
	want(t, "ikomek_staffing_operators", "logged_in", 3)
	want(t, "ikomek_staffing_operators", "available", 2)
	want(t, "ikomek_staffing_calls", "actual", 2)
	want(t, "ikomek_staffing_calls", "forecast", 3)

	t.Run("the next update follows presence and the next interval", func(t *testing.T) {
		if err := presence.Logout(ctx, "erlan"); err != nil {
			t.Fatal(err)
		}
		now = at(monday, 8, 31) // 08:30-08:45: no calls yet, none in its history
		if err := g.update(ctx); err != nil {
			t.Fatal(err)
		}
		want(t, "ikomek_staffing_operators", "planned", 3)
		want(t, "ikomek_staffing_operators", "logged_in", 2)
		want(t, "ikomek_staffing_operators", "available", 1)
		want(t, "ikomek_staffing_calls", "actual", 0)
		want(t, "ikomek_staffing_calls", "forecast", 0)
	})

	t.Run("without history the forecast gauge is removed, not left stale", func(t *testing.T) {
		now = at(monday.AddDate(0, 0, -28), 8, 20) // no history before that day
		if err := g.update(ctx); err != nil {
			t.Fatal(err)
		}
		if v, ok := gaugeValue(t, reg, "ikomek_staffing_calls", "forecast"); ok {
			t.Errorf("forecast gauge still there: %v", v)
		}
		want(t, "ikomek_staffing_operators", "planned", 0)
	})

	t.Run("a failing store keeps the last values", func(t *testing.T) {
		broken := &live.Monitor{Presence: m.Presence, History: m.History, Interval: m.Interval, Location: m.Location, Now: m.Now}
		h := &staffingGauges{monitor: broken, operators: g.operators, calls: g.calls}
		if err := h.update(ctx); err == nil {
			t.Fatal("no error without a roster store")
		}
		want(t, "ikomek_staffing_operators", "logged_in", 2)
	})

	t.Run("registering twice is an error, not a panic", func(t *testing.T) {
		if _, err := newStaffingGauges(reg, m); err == nil {
			t.Fatal("registered the gauges twice")
		}
	})
}

func TestStaffingMonitorFollowsConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg      config.Config
		interval time.Duration
		offset   int
	}{
		{config.Config{}, 30 * time.Minute, 5 * 3600},
		{config.Config{StaffingInterval: time.Hour, StaffingZone: "+06:00"}, time.Hour, 6 * 3600},
		{config.Config{StaffingInterval: 15 * time.Minute, StaffingZone: "UTC"}, 15 * time.Minute, 0},
	} {
		a := &App{Config: tc.cfg, DB: &postgres.DB{}}
		m := a.staffingMonitor()
		if _, off := time.Date(2026, 1, 1, 0, 0, 0, 0, m.Location).Zone(); m.Interval != tc.interval || off != tc.offset {
			t.Errorf("%+v: monitor %v at offset %d, want %v at %d", tc.cfg, m.Interval, off, tc.interval, tc.offset)
		}
	}
}

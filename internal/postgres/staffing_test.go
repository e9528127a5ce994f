package postgres_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/staffing/forecast"
	"github.com/ikomek/ikomek/internal/staffing/roster"
	"github.com/ikomek/ikomek/internal/testenv"
)

var astana = time.FixedZone("UTC+05:00", 5*3600)

// historyCall is a call record as the controller leaves it.
type historyCall struct {
	line    string
	arrived time.Time
	talk    time.Duration // 0: never connected (abandoned)
	open    bool          // connected and not ended yet
}

func insertCalls(tb testing.TB, db *postgres.DB, cs ...historyCall) {
	tb.Helper()
	for i, c := range cs {
		var connected, ended *time.Time
		outcome := "abandoned"
		if c.talk > 0 || c.open {
			t := c.arrived.Add(20 * time.Second)
			connected = &t
			if !c.open {
				e := t.Add(c.talk)
				ended, outcome = &e, "completed"
			}
		}
		state := "ended"
		if c.open {
			state, outcome = "connected", ""
		}
		if c.talk == 0 && !c.open {
			e := c.arrived.Add(40 * time.Second)
			ended = &e
		}
		var oc any = outcome
		if outcome == "" {
			oc = nil
		}
		if _, err := db.Pool.Exec(context.Background(), `INSERT INTO calls
			(asterisk_id, channel_id, line, state, outcome, arrived_at, queued_at, connected_at, ended_at, operator_login)
			VALUES ('ast1', $1, $2, $3, $4, $5, $5, $6, $7, CASE WHEN $6::timestamptz IS NULL THEN NULL ELSE 'aigerim' END)`,
			fmt.Sprintf("ch-%d-%s", i, testenv.RandomSuffix(6)), c.line, state, oc, c.arrived, connected, ended); err != nil {
			tb.Fatal(err)
		}
	}
}

func TestStaffingObservations(t *testing.T) {
	ctx := context.Background()
	db := testenv.Postgres(t)
	s := db.Staffing()
	day := time.Date(2026, 1, 5, 0, 0, 0, 0, astana) // a Monday
	at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	insertCalls(t, db,
		// 08:00-08:30 on 109: two answered (120 s and 240 s of talk), one abandoned.
		historyCall{line: "109", arrived: at(8, 1), talk: 120 * time.Second},
		historyCall{line: "109", arrived: at(8, 29), talk: 240 * time.Second},
		historyCall{line: "109", arrived: at(8, 10)},
		// 08:30-09:00: one abandoned only, one still talking.
		historyCall{line: "109", arrived: at(8, 45)},
		historyCall{line: "109", arrived: at(8, 50), open: true},
		// Another line and a call before the period are left out.
		historyCall{line: "556655", arrived: at(8, 5), talk: 600 * time.Second},
		historyCall{line: "109", arrived: day.Add(-time.Minute), talk: 600 * time.Second},
	)
	q := forecast.HistoryQuery{Line: "109", Since: day, Until: day.AddDate(0, 0, 1), Interval: 30 * time.Minute, WrapUp: 30 * time.Second}
	obs, err := s.Observations(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	// Mean handle of the answered calls: (120+30 + 240+30)/2 = 210 s; every offered
	// call counts at that mean, the interval without an answered call too.
	want := []forecast.Observation{{Start: at(8, 0), Calls: 3, HandleSeconds: 3 * 210}, {Start: at(8, 30), Calls: 2, HandleSeconds: 2 * 210}}
	if len(obs) != len(want) {
		t.Fatalf("observations %+v, want %+v", obs, want)
	}
	for i := range want {
		if !obs[i].Start.Equal(want[i].Start) || obs[i].Calls != want[i].Calls || math.Abs(obs[i].HandleSeconds-want[i].HandleSeconds) > 1e-6 {
			t.Errorf("observation %d = %+v, want %+v", i, obs[i], want[i])
		}
	}

	t.Run("the forecast uses the measured handle time", func(t *testing.T) {
		f, err := forecast.Build(obs, forecast.Options{Interval: 30 * time.Minute, Location: astana, Month: time.January})
		if err != nil {
			t.Fatal(err)
		}
		if f.MeanHandle != 210*time.Second {
			t.Fatalf("mean handle %v, want 3m30s", f.MeanHandle)
		}
	})

	t.Run("every line and the grid follow the query", func(t *testing.T) {
		q := q
		q.Line, q.Interval, q.WrapUp = "", time.Hour, 0
		obs, err := s.Observations(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		// 08:00-09:00: 6 calls; handled 120, 240, 600 s -> mean 320 s.
		if len(obs) != 1 || !obs[0].Start.Equal(at(8, 0)) || obs[0].Calls != 6 || math.Abs(obs[0].HandleSeconds-6*320) > 1e-6 {
			t.Fatalf("observations %+v", obs)
		}
	})

	t.Run("a bad query is invalid", func(t *testing.T) {
		q := q
		q.Interval = 7 * time.Minute
		if _, err := s.Observations(ctx, q); apperr.Code(err) != apperr.Invalid {
			t.Fatalf("err %v, want invalid", err)
		}
	})
}

func TestRosterStore(t *testing.T) {
	ctx := context.Background()
	db := testenv.Postgres(t)
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	s := db.Staffing()
	week := time.Date(2026, 11, 30, 0, 0, 0, 0, astana)
	h := func(d, hour int) time.Time { return week.AddDate(0, 0, d).Add(time.Duration(hour) * time.Hour) }
	bs, be := h(0, 12), h(0, 12).Add(30*time.Minute)
	first := []roster.Assignment{
		{Login: "aigerim", StartsAt: h(0, 8), EndsAt: h(0, 20), BreakStartsAt: &bs, BreakEndsAt: &be},
		{Login: "bolat", StartsAt: h(0, 20), EndsAt: h(1, 8)},
	}
	p, err := s.SaveRoster(ctx, roster.StoredPlan{PeriodMinutes: 30, WeekStart: week, OperatorHours: 24, LowerBound: 23.5}, first)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID == 0 || !p.CreatedAt.Equal(now) {
		t.Fatalf("saved %+v", p)
	}

	t.Run("shifts overlapping the period, with breaks", func(t *testing.T) {
		as, err := s.Assignments(ctx, roster.Filter{From: h(0, 19), To: h(0, 21)})
		if err != nil {
			t.Fatal(err)
		}
		if len(as) != 2 || as[0].Login != "aigerim" || as[0].PlanID != p.ID || !as[0].BreakStartsAt.Equal(bs) || !as[0].BreakEndsAt.Equal(be) ||
			as[1].Login != "bolat" || as[1].BreakStartsAt != nil || !as[1].StartsAt.Equal(h(0, 20)) {
			t.Fatalf("assignments %+v", as)
		}
		if !as[0].OnBreak(bs) || as[0].OnBreak(be) {
			t.Error("OnBreak does not follow [start, end)")
		}
	})

	t.Run("one operator only", func(t *testing.T) {
		as, err := s.Assignments(ctx, roster.Filter{Operator: "bolat", From: week, To: week.AddDate(0, 0, 7)})
		if err != nil || len(as) != 1 || as[0].Login != "bolat" {
			t.Fatalf("assignments %+v, %v", as, err)
		}
	})

	t.Run("a rebuilt roster replaces the week's earlier one", func(t *testing.T) {
		p2, err := s.SaveRoster(ctx, roster.StoredPlan{PeriodMinutes: 30, WeekStart: week, OperatorHours: 12, LowerBound: 12},
			[]roster.Assignment{{Login: "dana", StartsAt: h(0, 8), EndsAt: h(0, 20)}})
		if err != nil {
			t.Fatal(err)
		}
		as, err := s.Assignments(ctx, roster.Filter{From: week, To: week.AddDate(0, 0, 7)})
		if err != nil || len(as) != 1 || as[0].Login != "dana" || as[0].PlanID != p2.ID {
			t.Fatalf("assignments %+v, %v", as, err)
		}
	})

	t.Run("bad input is invalid and stores nothing", func(t *testing.T) {
		for name, as := range map[string][]roster.Assignment{
			"ends before start": {{Login: "x1", StartsAt: h(2, 8), EndsAt: h(2, 8)}},
			"break outside":     {{Login: "x1", StartsAt: h(2, 8), EndsAt: h(2, 10), BreakStartsAt: &bs, BreakEndsAt: &be}},
			"bad login":         {{Login: "no spaces", StartsAt: h(2, 8), EndsAt: h(2, 10)}},
		} {
			if _, err := s.SaveRoster(ctx, roster.StoredPlan{PeriodMinutes: 30, WeekStart: week.AddDate(0, 0, 7)}, as); apperr.Code(err) != apperr.Invalid {
				t.Errorf("%s: err %v, want invalid", name, err)
			}
		}
		if _, err := s.Assignments(ctx, roster.Filter{From: week, To: week.AddDate(0, 3, 0)}); apperr.Code(err) != apperr.Invalid {
			t.Errorf("a three-month read: err %v, want invalid", err)
		}
	})
}

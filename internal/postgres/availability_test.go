package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/operators"
	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/staffing/roster"
	"github.com/ikomek/ikomek/internal/testenv"
)

// createOperators adds operators speaking Russian with a throwaway password.
func createOperators(tb testing.TB, db *postgres.DB, logins ...string) {
	tb.Helper()
	for _, l := range logins {
		if _, err := db.Operators().Create(context.Background(), operators.NewOperator{Login: l, FullName: l,
			Languages: []string{"ru"}, SIPPassword: l + "-password"}); err != nil {
			tb.Fatal(err)
		}
	}
}

func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if apperr.Code(err) != code {
		tb.Fatalf("err = %v, want %s", err, code)
	}
}

func hoursPtr(h float64) *float64 { return &h }

func TestAvailabilityWorkRules(t *testing.T) {
	ctx := context.Background()
	db := testenv.Postgres(t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	createOperators(t, db, "aigerim", "bolat")
	s := db.Availability()

	r, err := s.WorkRules(ctx, "aigerim")
	if err != nil {
		t.Fatal(err)
	}
	if r.Login != "aigerim" || r.MaxHours != nil || r.Starts != nil || r.Days != nil || r.AvoidNights || !r.UpdatedAt.IsZero() {
		t.Fatalf("rules never set = %+v, want zero", r)
	}

	set, err := s.SetWorkRules(ctx, "aigerim", roster.WorkRules{MaxHours: hoursPtr(16),
		Starts:      []time.Duration{20 * time.Hour, 8 * time.Hour, 8 * time.Hour},
		Days:        []time.Weekday{time.Sunday, time.Tuesday, time.Monday, time.Tuesday},
		AvoidNights: true}, "supervisor:lead")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.WorkRules(ctx, "aigerim")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []roster.WorkRules{set, got} {
		if r.Login != "aigerim" || r.MaxHours == nil || *r.MaxHours != 16 || !r.AvoidNights ||
			!slices.Equal(r.Starts, []time.Duration{8 * time.Hour, 20 * time.Hour}) ||
			!slices.Equal(r.Days, []time.Weekday{time.Monday, time.Tuesday, time.Sunday}) ||
			!r.UpdatedAt.Equal(now) || r.UpdatedBy != "supervisor:lead" {
			t.Fatalf("stored rules %+v", r)
		}
	}

	t.Run("setting again replaces every rule", func(t *testing.T) {
		r, err := s.SetWorkRules(ctx, "aigerim", roster.WorkRules{Starts: []time.Duration{9 * time.Hour}}, "admin:ops")
		if err != nil {
			t.Fatal(err)
		}
		if r.MaxHours != nil || r.AvoidNights || len(r.Days) != 0 || !slices.Equal(r.Starts, []time.Duration{9 * time.Hour}) || r.UpdatedBy != "admin:ops" {
			t.Fatalf("replaced rules %+v", r)
		}
		if _, err := s.SetWorkRules(ctx, "aigerim", set, "supervisor:lead"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("bad input is refused and changes nothing", func(t *testing.T) {
		for name, tc := range map[string]struct {
			login string
			r     roster.WorkRules
			by    string
			code  string
		}{
			"zero max hours":     {"aigerim", roster.WorkRules{MaxHours: hoursPtr(0)}, "x", apperr.Invalid},
			"max hours too many": {"aigerim", roster.WorkRules{MaxHours: hoursPtr(169)}, "x", apperr.Invalid},
			"start not a clock":  {"aigerim", roster.WorkRules{Starts: []time.Duration{24 * time.Hour}}, "x", apperr.Invalid},
			"start with seconds": {"aigerim", roster.WorkRules{Starts: []time.Duration{8*time.Hour + time.Second}}, "x", apperr.Invalid},
			"no weekday 7":       {"aigerim", roster.WorkRules{Days: []time.Weekday{7}}, "x", apperr.Invalid},
			"no author":          {"aigerim", roster.WorkRules{}, " ", apperr.Invalid},
			"unknown operator":   {"nobody", roster.WorkRules{}, "x", apperr.NotFound},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := s.SetWorkRules(ctx, tc.login, tc.r, tc.by)
				wantCode(t, err, tc.code)
			})
		}
		after, err := s.WorkRules(ctx, "aigerim")
		if err != nil {
			t.Fatal(err)
		}
		if *after.MaxHours != 16 || !after.AvoidNights || len(after.Starts) != 2 || after.UpdatedBy != "supervisor:lead" {
			t.Fatalf("rules changed by refused input: %+v", after)
		}
		if _, err := s.WorkRules(ctx, "nobody"); apperr.Code(err) != apperr.NotFound {
			t.Fatalf("WorkRules(nobody) = %v, want not found", err)
		}
	})

	t.Run("all rules list only operators with rules", func(t *testing.T) {
		all, err := s.AllWorkRules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 1 || all[0].Login != "aigerim" || *all[0].MaxHours != 16 {
			t.Fatalf("all rules %+v", all)
		}
	})
}

func TestAvailabilityEntries(t *testing.T) {
	ctx := context.Background()
	db := testenv.Postgres(t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	createOperators(t, db, "aigerim", "bolat")
	s := db.Availability()
	week := time.Date(2026, 11, 30, 0, 0, 0, 0, astana) // a Monday
	date := func(d int) time.Time { return time.Date(2026, 11, 30+d, 0, 0, 0, 0, time.UTC) }

	added, err := s.AddAvailability(ctx, "aigerim", []roster.Entry{
		{Kind: roster.DayOff, Date: date(2), Reason: " family "},
		{Kind: roster.Unavailable, From: week.AddDate(0, 0, 4).Add(10 * time.Hour), To: week.AddDate(0, 0, 4).Add(12 * time.Hour), Reason: "doctor"},
		{Kind: roster.DayOff, Date: date(9)}, // the week after
	}, "supervisor:lead")
	if err != nil {
		t.Fatal(err)
	}
	if len(added) != 3 || added[0].ID == 0 || added[0].Login != "aigerim" || added[0].Reason != "family" ||
		added[0].Date.Format(time.DateOnly) != "2026-12-02" || !added[0].CreatedAt.Equal(now) || added[0].CreatedBy != "supervisor:lead" ||
		!added[1].From.Equal(week.AddDate(0, 0, 4).Add(10*time.Hour)) || added[1].Reason != "doctor" {
		t.Fatalf("added %+v", added)
	}
	// A request crossing into the week from the Sunday before, of bolat.
	if _, err := s.AddAvailability(ctx, "bolat", []roster.Entry{
		{Kind: roster.Unavailable, From: week.Add(-2 * time.Hour), To: week.Add(6 * time.Hour), Reason: "exam"},
	}, "supervisor:lead"); err != nil {
		t.Fatal(err)
	}

	list := func(tb testing.TB, f roster.AvailabilityFilter) []roster.Entry {
		tb.Helper()
		es, err := s.ListAvailability(ctx, f)
		if err != nil {
			tb.Fatal(err)
		}
		return es
	}
	ids := func(es []roster.Entry) []int64 {
		out := []int64{}
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}

	t.Run("the week lists the entries touching it, by operator and time", func(t *testing.T) {
		es := list(t, roster.AvailabilityFilter{From: week, To: week.AddDate(0, 0, 7)})
		if len(es) != 3 || es[0].Login != "aigerim" || es[0].Kind != roster.DayOff || es[1].Kind != roster.Unavailable ||
			es[2].Login != "bolat" || es[2].Reason != "exam" {
			t.Fatalf("week %+v", es)
		}
	})

	t.Run("one operator", func(t *testing.T) {
		es := list(t, roster.AvailabilityFilter{Login: "aigerim", From: week, To: week.AddDate(0, 0, 14)})
		if !slices.Equal(ids(es), []int64{added[0].ID, added[1].ID, added[2].ID}) {
			t.Fatalf("aigerim's entries %+v", es)
		}
	})

	t.Run("days off match by date on the period's clock", func(t *testing.T) {
		// 2 December 00:00-05:00 in Astana is 1 December in UTC: the day off is in.
		es := list(t, roster.AvailabilityFilter{Login: "aigerim", From: week.AddDate(0, 0, 2), To: week.AddDate(0, 0, 2).Add(5 * time.Hour)})
		if !slices.Equal(ids(es), []int64{added[0].ID}) {
			t.Fatalf("entries of 2 December %+v", es)
		}
		// A period ending at midnight leaves that day out.
		es = list(t, roster.AvailabilityFilter{Login: "aigerim", From: week, To: week.AddDate(0, 0, 2)})
		if len(es) != 0 {
			t.Fatalf("entries before 2 December %+v", es)
		}
	})

	t.Run("bad input is refused and changes nothing", func(t *testing.T) {
		before := list(t, roster.AvailabilityFilter{From: week.AddDate(0, -2, 0), To: week.AddDate(0, 6, 0)})
		for name, tc := range map[string]struct {
			login string
			es    []roster.Entry
			code  string
		}{
			"unknown operator": {"nobody", []roster.Entry{{Kind: roster.DayOff, Date: date(3)}}, apperr.NotFound},
			"to before from":   {"aigerim", []roster.Entry{{Kind: roster.Unavailable, From: week.Add(time.Hour), To: week}}, apperr.Invalid},
			"to equals from":   {"aigerim", []roster.Entry{{Kind: roster.Unavailable, From: week, To: week}}, apperr.Invalid},
			"no date":          {"aigerim", []roster.Entry{{Kind: roster.DayOff}}, apperr.Invalid},
			"unknown kind":     {"aigerim", []roster.Entry{{Kind: "holiday", Date: date(3)}}, apperr.Invalid},
			"nothing":          {"aigerim", nil, apperr.Invalid},
			"over a year":      {"aigerim", []roster.Entry{{Kind: roster.Unavailable, From: week, To: week.AddDate(1, 1, 0)}}, apperr.Invalid},
			// The first entry is fine; the second repeats a day off: neither is kept.
			"duplicate day off": {"aigerim", []roster.Entry{{Kind: roster.DayOff, Date: date(3)}, {Kind: roster.DayOff, Date: date(2)}}, apperr.Conflict},
			"twice in one go":   {"aigerim", []roster.Entry{{Kind: roster.DayOff, Date: date(5)}, {Kind: roster.DayOff, Date: date(5)}}, apperr.Conflict},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := s.AddAvailability(ctx, tc.login, tc.es, "supervisor:lead")
				wantCode(t, err, tc.code)
			})
		}
		if _, err := s.AddAvailability(ctx, "aigerim", []roster.Entry{{Kind: roster.DayOff, Date: date(3)}}, ""); apperr.Code(err) != apperr.Invalid {
			t.Fatalf("no author: %v", err)
		}
		after := list(t, roster.AvailabilityFilter{From: week.AddDate(0, -2, 0), To: week.AddDate(0, 6, 0)})
		if !slices.Equal(ids(after), ids(before)) {
			t.Fatalf("entries after refused input %v, before %v", ids(after), ids(before))
		}
		for name, f := range map[string]roster.AvailabilityFilter{
			"empty period":  {From: week, To: week},
			"long period":   {From: week, To: week.AddDate(2, 0, 0)},
			"unknown login": {Login: "nobody", From: week, To: week.AddDate(0, 0, 7)},
		} {
			if _, err := s.ListAvailability(ctx, f); err == nil {
				t.Errorf("%s: no error", name)
			}
		}
	})

	t.Run("remove", func(t *testing.T) {
		if err := s.RemoveAvailability(ctx, "bolat", added[0].ID, "supervisor:lead"); apperr.Code(err) != apperr.NotFound {
			t.Fatalf("removing aigerim's entry as bolat's: %v, want not found", err)
		}
		if err := s.RemoveAvailability(ctx, "nobody", added[0].ID, "supervisor:lead"); apperr.Code(err) != apperr.NotFound {
			t.Fatalf("unknown operator: %v, want not found", err)
		}
		if err := s.RemoveAvailability(ctx, "aigerim", added[0].ID, "supervisor:lead"); err != nil {
			t.Fatal(err)
		}
		es := list(t, roster.AvailabilityFilter{Login: "aigerim", From: week, To: week.AddDate(0, 0, 7)})
		if !slices.Equal(ids(es), []int64{added[1].ID}) {
			t.Fatalf("after removal %+v", es)
		}
		if err := s.RemoveAvailability(ctx, "aigerim", added[0].ID, "supervisor:lead"); apperr.Code(err) != apperr.NotFound {
			t.Fatalf("removing twice: %v, want not found", err)
		}
		var by string
		if err := db.Pool.QueryRow(ctx, `SELECT removed_by FROM operator_availability WHERE id = $1`, added[0].ID).Scan(&by); err != nil || by != "supervisor:lead" {
			t.Fatalf("removal not recorded: %q %v", by, err)
		}
		// The day is free again: it can be entered anew.
		if _, err := s.AddAvailability(ctx, "aigerim", []roster.Entry{{Kind: roster.DayOff, Date: date(2)}}, "supervisor:lead"); err != nil {
			t.Fatal(err)
		}
	})
}

// An operator's own request waits for a decision; a decision is made once; a
// declined day off may be asked for again, an approved or pending one may not.
func TestAvailabilityRequestsAreDecided(t *testing.T) {
	ctx := context.Background()
	db := testenv.Postgres(t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	createOperators(t, db, "aigerim")
	s := db.Availability()
	day := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	asked, err := s.AddAvailability(ctx, "aigerim", []roster.Entry{{Kind: roster.DayOff, Date: day, Status: roster.Pending}}, "operator:aigerim")
	if err != nil || asked[0].Status != roster.Pending || asked[0].Binding() {
		t.Fatalf("pending day off = %+v, %v", asked, err)
	}
	_, err = s.AddAvailability(ctx, "aigerim", []roster.Entry{{Kind: roster.DayOff, Date: day, Status: roster.Pending}}, "operator:aigerim")
	wantCode(t, err, apperr.Conflict)
	_, err = s.AddAvailability(ctx, "aigerim", []roster.Entry{{Kind: roster.DayOff, Date: day.AddDate(0, 0, 1), Status: roster.Declined}}, "x")
	wantCode(t, err, apperr.Invalid)

	_, err = s.DecideAvailability(ctx, "aigerim", asked[0].ID, false, "", "")
	wantCode(t, err, apperr.Invalid) // no author
	declined, err := s.DecideAvailability(ctx, "aigerim", asked[0].ID, false, "peak day", "supervisor:dana")
	if err != nil || declined.Status != roster.Declined || declined.DecidedAt == nil || !declined.DecidedAt.Equal(now) ||
		declined.DecidedBy != "supervisor:dana" || declined.Note != "peak day" {
		t.Fatalf("declined = %+v, %v", declined, err)
	}
	_, err = s.DecideAvailability(ctx, "aigerim", asked[0].ID, true, "", "supervisor:dana")
	wantCode(t, err, apperr.Conflict)

	again, err := s.AddAvailability(ctx, "aigerim", []roster.Entry{{Kind: roster.DayOff, Date: day, Status: roster.Pending}}, "operator:aigerim")
	if err != nil {
		t.Fatalf("asking again after a decline: %v", err)
	}
	approved, err := s.DecideAvailability(ctx, "aigerim", again[0].ID, true, "", "supervisor:dana")
	if err != nil || approved.Status != roster.Approved || !approved.Binding() {
		t.Fatalf("approved = %+v, %v", approved, err)
	}
	es, err := s.ListAvailability(ctx, roster.AvailabilityFilter{Login: "aigerim", From: day, To: day.AddDate(0, 0, 1)})
	if err != nil || len(es) != 2 {
		t.Fatalf("listed %+v, %v", es, err)
	}
	// Only the approved one binds a roster.
	o := roster.ApplyAvailability(roster.Operator{ID: "aigerim"}, day.AddDate(0, 0, -2), 7, nil, es)
	if !slices.Equal(o.DaysOff, []int{2}) {
		t.Fatalf("days off applied %v, want [2]", o.DaysOff)
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/staffing/roster"
	"github.com/ikomek/ikomek/internal/testenv"
)

// onePlanDay is what 'shifts plan --json' writes for one day: two places on
// 08:00-20:00 (one of them with a break at 12:00) and two on 20:00-08:00.
const onePlanDay = `{
  "period_minutes": 60, "operator_hours": 48, "lower_bound": 46, "gap": 0.04, "optimal": false,
  "starts": ["08:00", "20:00"],
  "shifts": [
    {"day": 0, "start": "08:00", "hours": 12, "count": 2, "breaks": [{"start": "12:00", "minutes": 30, "count": 1}]},
    {"day": 0, "start": "20:00", "hours": 12, "count": 2}
  ],
  "coverage": [[2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2]],
  "elapsed_ms": 3
}`

func TestRosterCLI(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	for _, o := range [][2]string{{"aigerim", "kk,ru"}, {"bolat", "ru"}, {"dana", "kk"}} {
		if out, err := runOps(t, dsn, "", "operators", "create", "--login", o[0], "--name", o[0], "--languages", o[1],
			"--sip-password", o[0]+"-password"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	plan := writeFile(t, "plan.json", onePlanDay)

	out, err := runOps(t, dsn, "", "roster", "build", "--plan-file", plan, "--week-start", "2026-11-30", "--languages-share", "kk=0.5", "--json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var built rosterBuildJSON
	if err := json.Unmarshal([]byte(out), &built); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// The plan repeats daily and asks 11 h of rest, so each of the three operators
	// works one of the four places: one place is reported unfilled.
	if built.PlanID == 0 || built.Assignments != 3 || built.Operators != 3 || len(built.Unfilled) != 1 || built.Unfilled[0].Missing != 1 {
		t.Fatalf("built %+v", built)
	}

	t.Run("the printed report names the unfilled shift", func(t *testing.T) {
		out, err := runOps(t, dsn, "", "roster", "build", "--plan-file", plan, "--week-start", "2026-11-30")
		if err != nil || !strings.Contains(out, "unfilled shifts:") || !strings.Contains(out, "1 missing") {
			t.Fatalf("%v\n%s", err, out)
		}
	})

	t.Run("show lists the stored shifts with their times and breaks", func(t *testing.T) {
		as := showRoster(t, dsn, "--from", "2026-11-30", "--to", "2026-12-01")
		tz := time.FixedZone("", 5*3600)
		day := time.Date(2026, 11, 30, 8, 0, 0, 0, tz)
		night := time.Date(2026, 11, 30, 20, 0, 0, 0, tz)
		var days, nights, breaks int
		kk := map[int64]bool{} // shift start (Unix) -> has a Kazakh speaker
		for _, a := range as {
			switch {
			case a.StartsAt.Equal(day) && a.EndsAt.Equal(day.Add(12*time.Hour)):
				days++
			case a.StartsAt.Equal(night) && a.EndsAt.Equal(night.Add(12*time.Hour)):
				nights++
			default:
				t.Errorf("unexpected shift %+v", a)
			}
			if a.BreakStartsAt != nil {
				breaks++
				if !a.BreakStartsAt.Equal(day.Add(4*time.Hour)) || !a.BreakEndsAt.Equal(day.Add(4*time.Hour+30*time.Minute)) {
					t.Errorf("break %v-%v, want 12:00-12:30", a.BreakStartsAt, a.BreakEndsAt)
				}
			}
			if a.Login != "bolat" {
				kk[a.StartsAt.Unix()] = true
			}
		}
		if len(as) != 3 || days+nights != 3 || breaks != 1 || !kk[day.Unix()] || !kk[night.Unix()] {
			t.Fatalf("shifts %+v", as)
		}
	})

	t.Run("show filters by operator", func(t *testing.T) {
		out, err := runOps(t, dsn, "", "roster", "show", "--operator", "bolat", "--from", "2026-11-30", "--to", "2026-12-07")
		if err != nil || !strings.Contains(out, "bolat") || strings.Contains(out, "aigerim") || strings.Contains(out, "dana") {
			t.Fatalf("%v\n%s", err, out)
		}
	})

	for name, args := range map[string][]string{
		"bad week":     {"roster", "build", "--plan-file", plan, "--week-start", "30.11.2026"},
		"missing plan": {"roster", "build", "--plan-file", plan + ".none", "--week-start", "2026-11-30"},
		"bad share":    {"roster", "build", "--plan-file", plan, "--week-start", "2026-11-30", "--languages-share", "kk=2"},
		"bad period":   {"roster", "show", "--from", "2026-11-30", "--to", "yesterday"},
	} {
		t.Run(name+" is invalid", func(t *testing.T) {
			if _, err := runOps(t, dsn, "", args...); apperr.Code(err) != apperr.Invalid {
				t.Fatalf("err = %v, want invalid", err)
			}
		})
	}
}

// weekPlan is a plan for 7 days: every day two places on 08:00-16:00 and one
// on 16:00-24:00.
func weekPlan() string {
	var shifts []string
	for d := range 7 {
		shifts = append(shifts, fmt.Sprintf(`{"day": %d, "start": "08:00", "hours": 8, "count": 2}`, d),
			fmt.Sprintf(`{"day": %d, "start": "16:00", "hours": 8, "count": 1}`, d))
	}
	return `{"period_minutes": 60, "operator_hours": 168, "lower_bound": 168, "starts": ["08:00", "16:00"],
  "shifts": [` + strings.Join(shifts, ",\n") + `], "coverage": [], "elapsed_ms": 1}`
}

func TestRosterBuildRespectsAvailability(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	createOps(t, dsn, "aigerim", "bolat", "dana", "erlan")
	for _, args := range [][]string{
		{"operators", "availability", "day-off", "aigerim", "2026-12-02"},                                             // day 2
		{"operators", "availability", "request", "aigerim", "--from", "2026-12-04T15:00", "--to", "2026-12-04T17:00"}, // day 4
		{"operators", "availability", "request", "dana", "--from", "2026-11-29T20:00", "--to", "2026-11-30T09:00"},    // into day 0
		{"operators", "availability", "day-off", "dana", "2026-12-07"},                                                // the week after
		{"operators", "work-rules", "set", "bolat", "--max-hours", "16"},
	} {
		if out, err := runOps(t, dsn, "", args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	plan := writeFile(t, "week.json", weekPlan())
	// Demand (168 h) exceeds what the caps allow (40+16+40+40 h), so every
	// operator works as much as the rules let them.
	out, err := runOps(t, dsn, "", "roster", "build", "--plan-file", plan, "--week-start", "2026-11-30", "--max-hours", "40", "--json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var built rosterBuildJSON
	if err := json.Unmarshal([]byte(out), &built); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// dana's day off after the week counts: the week's last night shifts run into it.
	if built.DaysOff != 2 || built.Requests != 2 || len(built.Unfilled) == 0 {
		t.Fatalf("built %+v", built)
	}

	as := showRoster(t, dsn, "--from", "2026-11-30", "--to", "2026-12-07")
	tz := time.FixedZone("", 5*3600)
	week := time.Date(2026, 11, 30, 0, 0, 0, 0, tz)
	overlaps := func(a roster.Assignment, from, to time.Time) bool {
		return a.StartsAt.Before(to) && from.Before(a.EndsAt)
	}
	hours := map[string]float64{}
	for _, a := range as {
		hours[a.Login] += a.EndsAt.Sub(a.StartsAt).Hours()
		switch a.Login {
		case "aigerim":
			if overlaps(a, week.AddDate(0, 0, 2), week.AddDate(0, 0, 3)) {
				t.Errorf("aigerim works on her day off: %v - %v", a.StartsAt, a.EndsAt)
			}
			if overlaps(a, week.AddDate(0, 0, 4).Add(15*time.Hour), week.AddDate(0, 0, 4).Add(17*time.Hour)) {
				t.Errorf("aigerim works during her request: %v - %v", a.StartsAt, a.EndsAt)
			}
		case "dana":
			if overlaps(a, week, week.Add(9*time.Hour)) {
				t.Errorf("dana works during her request from the week before: %v - %v", a.StartsAt, a.EndsAt)
			}
		}
	}
	if hours["bolat"] == 0 || hours["bolat"] > 16 {
		t.Errorf("bolat works %v h, want some and at most his own 16", hours["bolat"])
	}
	for _, login := range []string{"aigerim", "dana", "erlan"} {
		if hours[login] == 0 || hours[login] > 40 {
			t.Errorf("%s works %v h, want some and at most the default 40", login, hours[login])
		}
	}
	// The others have no personal cap: without --max-hours they are uncapped,
	// while bolat keeps his 16 hours.
	if _, err := runOps(t, dsn, "", "roster", "build", "--plan-file", plan, "--week-start", "2026-11-30", "--json"); err != nil {
		t.Fatal(err)
	}
	as = showRoster(t, dsn, "--operator", "bolat", "--from", "2026-11-30", "--to", "2026-12-07")
	var bolat float64
	for _, a := range as {
		bolat += a.EndsAt.Sub(a.StartsAt).Hours()
	}
	if bolat == 0 || bolat > 16 {
		t.Errorf("without --max-hours bolat works %v h, want at most 16", bolat)
	}
}

// An operator's pending request does not bind the roster until a supervisor
// approves it with 'operators availability decide'.
func TestRosterBuildWaitsForDecisions(t *testing.T) {
	ctx := context.Background()
	dsn := testenv.PostgresDSN(t)
	createOps(t, dsn, "aigerim", "bolat", "dana")
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Asked through the API by aigerim herself: Wednesday 2 December off.
	asked, err := db.Availability().AddAvailability(ctx, "aigerim", []roster.Entry{{Kind: roster.DayOff,
		Date: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), Status: roster.Pending}}, "operator:aigerim")
	if err != nil {
		t.Fatal(err)
	}
	plan := writeFile(t, "week.json", weekPlan())
	build := func() (rosterBuildJSON, bool) {
		t.Helper()
		out, err := runOps(t, dsn, "", "roster", "build", "--plan-file", plan, "--week-start", "2026-11-30", "--json")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		var built rosterBuildJSON
		if err := json.Unmarshal([]byte(out), &built); err != nil {
			t.Fatal(err)
		}
		out, err = runOps(t, dsn, "", "roster", "show", "--operator", "aigerim", "--from", "2026-12-02", "--to", "2026-12-03", "--json")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		var as []roster.Assignment
		if err := json.Unmarshal([]byte(out), &as); err != nil {
			t.Fatal(err)
		}
		return built, len(as) > 0
	}
	// Three operators for 3 places a day: everyone works every day they may.
	built, works := build()
	if built.Pending != 1 || built.DaysOff != 0 || !works {
		t.Fatalf("before the decision: %+v, aigerim works on 2 December: %v", built, works)
	}
	id := strconv.FormatInt(asked[0].ID, 10)
	if _, err := runOps(t, dsn, "", "operators", "availability", "decide", "aigerim", id); err == nil ||
		!strings.Contains(err.Error(), "--approve or --decline") {
		t.Fatalf("decide without --approve or --decline: %v", err)
	}
	if _, err := runOps(t, dsn, "", "operators", "availability", "decide", "aigerim", id, "--approve", "--decline"); err == nil {
		t.Fatal("decide with both --approve and --decline was accepted")
	}
	if out, err := runOps(t, dsn, "", "operators", "availability", "decide", "aigerim", id, "--approve", "--note", "ok"); err != nil ||
		!strings.Contains(out, "approved") {
		t.Fatalf("decide: %v\n%s", err, out)
	}
	built, works = build()
	if built.Pending != 0 || built.DaysOff != 1 || works {
		t.Fatalf("after approval: %+v, aigerim works on 2 December: %v", built, works)
	}
	if _, err := runOps(t, dsn, "", "operators", "availability", "decide", "aigerim", id, "--decline"); apperr.Code(err) != apperr.Conflict {
		t.Fatalf("deciding twice: %v", err)
	}
}

// showRoster runs `ikomekctl roster show --json` with args and decodes its shifts.
func showRoster(t *testing.T, dsn string, args ...string) []roster.Assignment {
	t.Helper()
	out, err := runOps(t, dsn, "", append([]string{"roster", "show", "--json"}, args...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var as []roster.Assignment
	if err := json.Unmarshal([]byte(out), &as); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return as
}

// The rest between two weeks counts: whoever works the night into Monday in the
// stored roster of the week before does not get Monday's early shift.
func TestRosterBuildKeepsRestAcrossWeeks(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	createOps(t, dsn, "aigerim", "bolat")
	plan := func(name, shift string) string {
		return writeFile(t, name, `{"period_minutes": 60, "operator_hours": 8, "lower_bound": 8, "starts": [],
  "shifts": [`+shift+`], "coverage": [], "elapsed_ms": 1}`)
	}
	night := plan("night.json", `{"day": 6, "start": "22:00", "hours": 8, "count": 1}`)
	if out, err := runOps(t, dsn, "", "roster", "build", "--plan-file", night, "--week-start", "2026-11-30"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	as := showRoster(t, dsn, "--from", "2026-12-06", "--to", "2026-12-08")
	if len(as) != 1 {
		t.Fatalf("night roster = %+v", as)
	}
	sleeper := as[0].Login
	early := plan("early.json", `{"day": 0, "start": "08:00", "hours": 8, "count": 1}`)
	if out, err := runOps(t, dsn, "", "roster", "build", "--plan-file", early, "--week-start", "2026-12-07"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	as = showRoster(t, dsn, "--from", "2026-12-07T08:00:00+05:00", "--to", "2026-12-07T16:00:00+05:00")
	if len(as) != 1 || as[0].Login == sleeper {
		t.Fatalf("Monday's early shift = %+v; %s worked until 06:00", as, sleeper)
	}
}

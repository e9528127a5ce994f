package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
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
		out, err := runOps(t, dsn, "", "roster", "show", "--from", "2026-11-30", "--to", "2026-12-01", "--json")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		var as []roster.Assignment
		if err := json.Unmarshal([]byte(out), &as); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
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

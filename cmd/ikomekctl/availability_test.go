package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/httpapi"
	"github.com/ikomek/ikomek/internal/staffing/roster"
	"github.com/ikomek/ikomek/internal/testenv"
)

// createOps adds operators through the CLI.
func createOps(tb testing.TB, dsn string, logins ...string) {
	tb.Helper()
	for _, l := range logins {
		if out, err := runOps(tb, dsn, "", "operators", "create", "--login", l, "--name", l, "--languages", "ru",
			"--sip-password", l+"-password"); err != nil {
			tb.Fatalf("%v\n%s", err, out)
		}
	}
}

// listAvailability returns an operator's entries in the week of 30 November 2026.
func listAvailability(tb testing.TB, dsn, login string) []httpapi.AvailabilityJSON {
	tb.Helper()
	out, err := runOps(tb, dsn, "", "operators", "availability", "list", login, "--from", "2026-11-30", "--to", "2026-12-07", "--json")
	if err != nil {
		tb.Fatalf("%v\n%s", err, out)
	}
	var es []httpapi.AvailabilityJSON
	if err := json.Unmarshal([]byte(out), &es); err != nil {
		tb.Fatalf("%v\n%s", err, out)
	}
	return es
}

func TestAvailabilityCLI(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	createOps(t, dsn, "aigerim", "bolat")

	out, err := runOps(t, dsn, "", "operators", "availability", "day-off", "aigerim", "2026-12-02", "2026-12-06", "--reason", "family")
	if err != nil || strings.Count(out, "day off") != 2 || !strings.Contains(out, "day off 2026-12-02 for aigerim added") {
		t.Fatalf("day-off: %v\n%s", err, out)
	}
	out, err = runOps(t, dsn, "", "operators", "availability", "request", "aigerim", "--from", "2026-12-04T10:00", "--to", "2026-12-04T12:00",
		"--reason", "doctor", "--json")
	if err != nil {
		t.Fatalf("request: %v\n%s", err, out)
	}
	var req []httpapi.AvailabilityJSON
	astana := time.FixedZone("", 5*3600)
	if err := json.Unmarshal([]byte(out), &req); err != nil || len(req) != 1 || req[0].From == nil ||
		!req[0].From.Equal(time.Date(2026, 12, 4, 10, 0, 0, 0, astana)) || !req[0].To.Equal(time.Date(2026, 12, 4, 12, 0, 0, 0, astana)) ||
		req[0].Reason != "doctor" || !strings.HasPrefix(req[0].CreatedBy, "ikomekctl:") {
		t.Fatalf("request --json: %v\n%s", err, out)
	}
	es := listAvailability(t, dsn, "aigerim")
	if len(es) != 3 || es[0].Date != "2026-12-02" || es[1].Kind != roster.Unavailable || es[2].Date != "2026-12-06" {
		t.Fatalf("listed %+v", es)
	}

	t.Run("the printed list names each entry", func(t *testing.T) {
		out, err := runOps(t, dsn, "", "operators", "availability", "list", "aigerim", "--from", "2026-11-30", "--to", "2026-12-07")
		if err != nil || !strings.Contains(out, "Wed 2026-12-02") || !strings.Contains(out, "Fri 2026-12-04 10:00 - Fri 2026-12-04 12:00") ||
			!strings.Contains(out, "doctor") {
			t.Fatalf("%v\n%s", err, out)
		}
	})

	t.Run("bad input is refused and changes nothing", func(t *testing.T) {
		for name, tc := range map[string]struct {
			args []string
			code string
		}{
			"bad date":          {[]string{"operators", "availability", "day-off", "aigerim", "2026-12-32"}, apperr.Invalid},
			"dotted date":       {[]string{"operators", "availability", "day-off", "aigerim", "2026-12-03", "03.12.2026"}, apperr.Invalid},
			"duplicate day off": {[]string{"operators", "availability", "day-off", "aigerim", "2026-12-03", "2026-12-02"}, apperr.Conflict},
			"to before from":    {[]string{"operators", "availability", "request", "aigerim", "--from", "2026-12-04T12:00", "--to", "2026-12-04T10:00"}, apperr.Invalid},
			"to equals from":    {[]string{"operators", "availability", "request", "aigerim", "--from", "2026-12-04T12:00", "--to", "2026-12-04T12:00"}, apperr.Invalid},
			"bad time":          {[]string{"operators", "availability", "request", "aigerim", "--from", "noon", "--to", "2026-12-04T12:00"}, apperr.Invalid},
			"bad zone":          {[]string{"operators", "availability", "request", "aigerim", "--from", "2026-12-04T10:00", "--to", "2026-12-04T12:00", "--tz", "Mars/Olympus"}, apperr.Invalid},
			"unknown operator":  {[]string{"operators", "availability", "day-off", "nobody", "2026-12-03"}, apperr.NotFound},
			"unknown entry":     {[]string{"operators", "availability", "remove", "bolat", fmt.Sprint(es[0].ID)}, apperr.NotFound},
		} {
			t.Run(name, func(t *testing.T) {
				out, err := runOps(t, dsn, "", tc.args...)
				if apperr.Code(err) != tc.code {
					t.Fatalf("err = %v, want %s\n%s", err, tc.code, out)
				}
				if apperr.Message(err) == "" || apperr.Message(err) == "internal error" {
					t.Fatalf("unclear message %q", apperr.Message(err))
				}
			})
		}
		if after := listAvailability(t, dsn, "aigerim"); len(after) != 3 {
			t.Fatalf("entries after refused input %+v", after)
		}
	})

	t.Run("remove", func(t *testing.T) {
		out, err := runOps(t, dsn, "", "operators", "availability", "remove", "aigerim", fmt.Sprint(es[2].ID))
		if err != nil || !strings.Contains(out, "removed") {
			t.Fatalf("%v\n%s", err, out)
		}
		if after := listAvailability(t, dsn, "aigerim"); len(after) != 2 {
			t.Fatalf("entries after removal %+v", after)
		}
	})

	t.Run("work rules: set keeps what is not given", func(t *testing.T) {
		out, err := runOps(t, dsn, "", "operators", "work-rules", "set", "bolat", "--max-hours", "16", "--prefer-starts", "08:00,20:00",
			"--prefer-days", "mon,tue", "--avoid-nights")
		if err != nil || !strings.Contains(out, "max hours per week: 16") || !strings.Contains(out, "preferred starts:   08:00,20:00") {
			t.Fatalf("%v\n%s", err, out)
		}
		out, err = runOps(t, dsn, "", "operators", "work-rules", "set", "bolat", "--no-prefer-starts", "--no-avoid-nights", "--json")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		var r httpapi.WorkRulesJSON
		if err := json.Unmarshal([]byte(out), &r); err != nil || r.MaxHoursPerWeek == nil || *r.MaxHoursPerWeek != 16 ||
			len(r.PreferStarts) != 0 || !slices.Equal(r.PreferDays, []string{"mon", "tue"}) || r.AvoidNights {
			t.Fatalf("%v\n%s", err, out)
		}
		out, err = runOps(t, dsn, "", "operators", "work-rules", "show", "bolat")
		if err != nil || !strings.Contains(out, "preferred days:     mon,tue") || !strings.Contains(out, "by ikomekctl:") {
			t.Fatalf("%v\n%s", err, out)
		}
	})

	t.Run("work rules: bad input is refused and changes nothing", func(t *testing.T) {
		for name, tc := range map[string]struct {
			args []string
			code string
		}{
			"nothing to change": {[]string{"operators", "work-rules", "set", "bolat"}, apperr.Invalid},
			"zero hours":        {[]string{"operators", "work-rules", "set", "bolat", "--max-hours", "0"}, apperr.Invalid},
			"too many hours":    {[]string{"operators", "work-rules", "set", "bolat", "--max-hours", "200"}, apperr.Invalid},
			"bad start":         {[]string{"operators", "work-rules", "set", "bolat", "--prefer-starts", "8am"}, apperr.Invalid},
			"bad weekday":       {[]string{"operators", "work-rules", "set", "bolat", "--prefer-days", "funday"}, apperr.Invalid},
			"unknown operator":  {[]string{"operators", "work-rules", "set", "nobody", "--max-hours", "16"}, apperr.NotFound},
		} {
			t.Run(name, func(t *testing.T) {
				if out, err := runOps(t, dsn, "", tc.args...); apperr.Code(err) != tc.code {
					t.Fatalf("err = %v, want %s\n%s", err, tc.code, out)
				}
			})
		}
		if _, err := runOps(t, dsn, "", "operators", "work-rules", "set", "bolat", "--max-hours", "16", "--no-max-hours"); err == nil {
			t.Fatal("--max-hours with --no-max-hours accepted")
		}
		out, err := runOps(t, dsn, "", "operators", "work-rules", "show", "bolat", "--json")
		var r httpapi.WorkRulesJSON
		if err != nil || json.Unmarshal([]byte(out), &r) != nil || *r.MaxHoursPerWeek != 16 || len(r.PreferDays) != 2 {
			t.Fatalf("rules after refused input: %v\n%s", err, out)
		}
	})
}

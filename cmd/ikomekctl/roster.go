package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ikomek/ikomek/internal/operators"
	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/staffing/roster"
)

// rosterCmd groups rostering: named operators on planned shifts.
type rosterCmd struct {
	Build rosterBuildCmd `cmd:"" help:"Put the active operators on the shifts of a plan for one week and store the roster."`
	Show  rosterShowCmd  `cmd:"" help:"Show the stored roster of a period."`
}

// rosterBuildCmd is "ikomekctl roster build".
type rosterBuildCmd struct {
	PlanFile       string             `required:"" help:"Plan JSON written by 'shifts plan --json'."`
	WeekStart      string             `required:"" help:"Date of day 0 of the plan, YYYY-MM-DD."`
	TZ             string             `name:"tz" default:"+05:00" help:"Clock of the plan: an offset like +05:00 or a zone name."`
	LanguagesShare map[string]float64 `help:"Least share of each shift's operators speaking a language, e.g. kk=0.3."`
	MinRest        time.Duration      `default:"11h" help:"Least rest between two shifts of one operator."`
	MaxHours       float64            `help:"Most paid hours per operator over the plan (0: no cap); an operator's own max hours per week (operators work-rules) take precedence."`
	JSON           bool               `name:"json" help:"Print one JSON object."`
}

type rosterBuildJSON struct {
	PlanID      int64 `json:"plan_id"`
	Assignments int   `json:"assignments"`
	Operators   int   `json:"operators"`
	// DaysOff and Requests count the stored days off and unavailable spans
	// that fell in the week and bound the roster.
	DaysOff int `json:"days_off"`
	// Pending counts operators' requests in the week still waiting for a
	// decision: not applied.
	Pending      int                  `json:"pending_requests"`
	Requests     int                  `json:"requests"`
	Unfilled     []unfilledJSON       `json:"unfilled"`
	LanguageGaps []roster.LanguageGap `json:"language_gaps"`
}

type unfilledJSON struct {
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	Missing  int       `json:"missing"`
}

// Run assigns, stores and reports the roster. Bad flags, an unreadable plan and
// rules the roster cannot follow are apperr.Invalid.
func (c *rosterBuildCmd) Run(ctx context.Context, g *Globals) error {
	loc, err := parseZone(c.TZ)
	if err != nil {
		return invalid(err)
	}
	week, err := time.ParseInLocation(time.DateOnly, c.WeekStart, loc)
	if err != nil {
		return invalid(fmt.Errorf("--week-start %q is not a date YYYY-MM-DD", c.WeekStart))
	}
	plan, shifts, breaks, err := readPlanFile(c.PlanFile)
	if err != nil {
		return invalid(err)
	}
	db, err := g.db(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := db.Operators().List(ctx, false)
	if err != nil {
		return err
	}
	days := len(plan.Coverage)
	for _, s := range shifts {
		days = max(days, s.Day+1)
	}
	ops, pending, err := c.operators(ctx, db, list, week, days)
	if err != nil {
		return err
	}
	var daysOff, requests int
	for _, o := range ops {
		daysOff += len(o.DaysOff)
		requests += len(o.Unavailable)
	}
	// The stored rosters of the weeks around bound the rest at the week's edges. With
	// either one there, the week is not taken to repeat itself.
	end := week.AddDate(0, 0, days)
	around, err := db.Staffing().Assignments(ctx, roster.Filter{From: week.AddDate(0, 0, -7), To: end.AddDate(0, 0, 7)})
	if err != nil {
		return err
	}
	noWrap := false
	for _, a := range around {
		noWrap = noWrap || a.StartsAt.Before(week) || !a.StartsAt.Before(end)
	}
	for i := range ops {
		ops[i] = roster.RestAround(ops[i], week, days, c.MinRest, around)
	}
	res, err := roster.Assign(shifts, ops, roster.Rules{Days: days, MinRest: c.MinRest, NoWrap: noWrap,
		LanguageShare: c.LanguagesShare})
	if err != nil {
		return invalid(err)
	}
	as := roster.Schedule(week, shifts, breaks, res)
	stored, err := db.Staffing().SaveRoster(ctx, roster.StoredPlan{PeriodMinutes: plan.PeriodMinutes, WeekStart: week,
		OperatorHours: plan.OperatorHours, LowerBound: plan.LowerBound}, as)
	if err != nil {
		return err
	}
	out := rosterBuildJSON{PlanID: stored.ID, Assignments: len(as), Operators: len(res.Hours),
		DaysOff: daysOff, Requests: requests, Pending: pending, Unfilled: []unfilledJSON{}, LanguageGaps: res.LanguageGaps}
	if out.LanguageGaps == nil {
		out.LanguageGaps = []roster.LanguageGap{}
	}
	for _, u := range res.Unfilled {
		s := shifts[u.Shift]
		start := week.AddDate(0, 0, s.Day).Add(s.Start)
		out.Unfilled = append(out.Unfilled, unfilledJSON{StartsAt: start, EndsAt: start.Add(s.Length), Missing: u.Missing})
	}
	w := g.out()
	if c.JSON {
		return writeJSON(w, out)
	}
	fmt.Fprintf(w, "roster %d stored: %d shifts for %d operators (of %d active), respecting %d days off and %d requests\n",
		out.PlanID, out.Assignments, out.Operators, len(ops), daysOff, requests)
	if out.Pending > 0 {
		fmt.Fprintf(w, "%d requests of operators in the week still wait for a decision and were not applied\n", out.Pending)
	}
	if len(out.Unfilled) == 0 {
		fmt.Fprintln(w, "every shift is filled")
	} else {
		fmt.Fprintln(w, "unfilled shifts:")
		for _, u := range out.Unfilled {
			fmt.Fprintf(w, "  %s - %s: %d missing\n", u.StartsAt.Format("Mon 2006-01-02 15:04"), u.EndsAt.Format("Mon 15:04"), u.Missing)
		}
	}
	for _, gap := range out.LanguageGaps {
		s := shifts[gap.Shift]
		fmt.Fprintf(w, "  %s: %d of %d %s speakers\n", week.AddDate(0, 0, s.Day).Add(s.Start).Format("Mon 2006-01-02 15:04"), gap.Have, gap.Need, gap.Language)
	}
	return nil
}

// operators binds the active operators by their stored work rules and the
// approved days off and requests falling in the days of the week (a personal
// max hours replaces --max-hours), and counts the requests still pending.
func (c *rosterBuildCmd) operators(ctx context.Context, db *postgres.DB, list []operators.Operator, week time.Time, days int) (
	ops []roster.Operator, pending int, err error) {
	store := db.Availability()
	rules, err := store.AllWorkRules(ctx)
	if err != nil {
		return nil, 0, err
	}
	// The day after the week too: the week's last night shifts run into it.
	entries, err := store.ListAvailability(ctx, roster.AvailabilityFilter{From: week, To: week.AddDate(0, 0, days+1)})
	if err != nil {
		return nil, 0, err
	}
	ops = make([]roster.Operator, 0, len(list))
	for _, o := range list {
		var r *roster.WorkRules
		if i := slices.IndexFunc(rules, func(r roster.WorkRules) bool { return r.Login == o.Login }); i >= 0 {
			r = &rules[i]
		}
		ops = append(ops, roster.ApplyAvailability(roster.Operator{ID: o.Login, Languages: o.Languages, MaxHours: c.MaxHours},
			week, days, r, entries))
	}
	for _, e := range entries {
		if e.Status == roster.Pending {
			pending++
		}
	}
	return ops, pending, nil
}

// readPlanFile reads the JSON of 'shifts plan --json' into roster shifts and
// the breaks the plan placed on each.
func readPlanFile(path string) (planJSON, []roster.Shift, [][]roster.Break, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return planJSON{}, nil, nil, err
	}
	var p planJSON
	if err := json.Unmarshal(data, &p); err != nil {
		return planJSON{}, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if p.PeriodMinutes <= 0 || 1440%p.PeriodMinutes != 0 {
		return planJSON{}, nil, nil, fmt.Errorf("%s: period_minutes %d does not divide a day", path, p.PeriodMinutes)
	}
	if len(p.Shifts) == 0 {
		return planJSON{}, nil, nil, fmt.Errorf("%s: the plan has no shifts", path)
	}
	shifts := make([]roster.Shift, 0, len(p.Shifts))
	breaks := make([][]roster.Break, 0, len(p.Shifts))
	for i, s := range p.Shifts {
		start, err := parseClock(s.Start)
		if err != nil {
			return planJSON{}, nil, nil, fmt.Errorf("%s: shift %d: %w", path, i, err)
		}
		length := time.Duration(s.Hours * float64(time.Hour)).Round(time.Minute)
		shifts = append(shifts, roster.Shift{Day: s.Day, Start: start, Length: length, Count: s.Count})
		var bs []roster.Break
		for _, b := range s.Breaks {
			at, err := parseClock(b.Start)
			if err != nil {
				return planJSON{}, nil, nil, fmt.Errorf("%s: shift %d: break: %w", path, i, err)
			}
			off := (at - start + 24*time.Hour) % (24 * time.Hour)
			bl := time.Duration(b.Minutes * float64(time.Minute))
			if off+bl > length {
				return planJSON{}, nil, nil, fmt.Errorf("%s: shift %d: break at %s is not inside the shift", path, i, b.Start)
			}
			bs = append(bs, roster.Break{Offset: off, Length: bl, Count: b.Count})
		}
		breaks = append(breaks, bs)
	}
	return p, shifts, breaks, nil
}

// rosterShowCmd is "ikomekctl roster show".
type rosterShowCmd struct {
	Operator string `help:"Only this operator's shifts."`
	From     string `required:"" help:"Start of the period: YYYY-MM-DD or an RFC 3339 time."`
	To       string `required:"" help:"End of the period (exclusive): YYYY-MM-DD or an RFC 3339 time."`
	TZ       string `name:"tz" default:"+05:00" help:"Clock of the dates and of the printed times."`
	JSON     bool   `name:"json" help:"Print JSON."`
}

// Run prints the shifts overlapping the period. Bad flags are apperr.Invalid.
func (c *rosterShowCmd) Run(ctx context.Context, g *Globals) error {
	loc, err := parseZone(c.TZ)
	if err != nil {
		return invalid(err)
	}
	from, err := parseDay(c.From, loc)
	if err != nil {
		return invalid(fmt.Errorf("--from: %w", err))
	}
	to, err := parseDay(c.To, loc)
	if err != nil {
		return invalid(fmt.Errorf("--to: %w", err))
	}
	db, err := g.db(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	as, err := db.Staffing().Assignments(ctx, roster.Filter{Operator: c.Operator, From: from, To: to})
	if err != nil {
		return err
	}
	w := g.out()
	if c.JSON {
		return writeJSON(w, as)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OPERATOR\tSTART\tEND\tBREAK")
	slices.SortStableFunc(as, func(a, b roster.Assignment) int { return a.StartsAt.Compare(b.StartsAt) })
	for _, a := range as {
		br := ""
		if a.BreakStartsAt != nil {
			br = a.BreakStartsAt.In(loc).Format("15:04") + "-" + a.BreakEndsAt.In(loc).Format("15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Login, a.StartsAt.In(loc).Format("Mon 2006-01-02 15:04"), a.EndsAt.In(loc).Format("Mon 15:04"), br)
	}
	return tw.Flush()
}

// parseDay reads a date (local midnight) or an RFC 3339 time.
func parseDay(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("want YYYY-MM-DD or an RFC 3339 time")
}

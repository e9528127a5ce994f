package main

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/httpapi"
	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/staffing/roster"
)

// availabilityCmd is "ikomekctl operators availability": days off and requests
// that 'roster build' respects.
type availabilityCmd struct {
	List    availabilityListCmd    `cmd:"" help:"List an operator's days off and requests touching a period."`
	DayOff  availabilityDayOffCmd  `cmd:"" name:"day-off" help:"Add days off (whole local dates): all or none."`
	Request availabilityRequestCmd `cmd:"" help:"Add a span the operator cannot work (a request)."`
	Decide  availabilityDecideCmd  `cmd:"" help:"Approve or decline an operator's pending request."`
	Remove  availabilityRemoveCmd  `cmd:"" help:"Remove a day off or request by its id."`
}

// workRulesCmd is "ikomekctl operators work-rules".
type workRulesCmd struct {
	Show workRulesShowCmd `cmd:"" help:"Show an operator's max hours per week and shift preferences."`
	Set  workRulesSetCmd  `cmd:"" help:"Change an operator's max hours per week and shift preferences; what is not given stays."`
}

// cliAuthor names who makes a change from the command line.
func cliAuthor() string { return "ikomekctl:" + cliActor().Subject }

// parseInstant reads an RFC 3339 time, a local "YYYY-MM-DDTHH:MM" (or with a
// space) or a date (local midnight) on the clock loc.
func parseInstant(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q: want YYYY-MM-DD, YYYY-MM-DDTHH:MM or an RFC 3339 time", s)
}

type availabilityListCmd struct {
	Login string `arg:"" help:"Login of the operator."`
	From  string `help:"Start of the period: YYYY-MM-DD or an RFC 3339 time (default: today)."`
	To    string `help:"End of the period (exclusive; default: 31 days after the start)."`
	TZ    string `name:"tz" default:"+05:00" help:"Clock of the dates and of the printed times."`
	JSON  bool   `name:"json" help:"Print JSON."`
}

func (c *availabilityListCmd) Run(ctx context.Context, g *Globals) error {
	loc, err := parseZone(c.TZ)
	if err != nil {
		return invalid(err)
	}
	now := time.Now().In(loc)
	from := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	if c.From != "" {
		if from, err = parseInstant(c.From, loc); err != nil {
			return invalid(fmt.Errorf("--from %w", err))
		}
	}
	to := from.AddDate(0, 0, 31)
	if c.To != "" {
		if to, err = parseInstant(c.To, loc); err != nil {
			return invalid(fmt.Errorf("--to %w", err))
		}
	}
	return withDB(ctx, g, func(db *postgres.DB) error {
		es, err := db.Availability().ListAvailability(ctx, roster.AvailabilityFilter{Login: c.Login, From: from.In(loc), To: to})
		if err != nil {
			return err
		}
		if c.JSON {
			out := make([]httpapi.AvailabilityJSON, 0, len(es))
			for _, e := range es {
				out = append(out, httpapi.NewAvailabilityJSON(e))
			}
			return writeJSON(g.out(), out)
		}
		w := tabwriter.NewWriter(g.out(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tKIND\tWHEN\tSTATUS\tREASON\tBY")
		for _, e := range es {
			when := e.Date.Format("Mon 2006-01-02")
			if e.Kind == roster.Unavailable {
				when = e.From.In(loc).Format("Mon 2006-01-02 15:04") + " - " + e.To.In(loc).Format("Mon 2006-01-02 15:04")
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Kind, when, cmp.Or(e.Status, roster.Approved), e.Reason, e.CreatedBy)
		}
		return w.Flush()
	})
}

type availabilityDayOffCmd struct {
	Login  string   `arg:"" help:"Login of the operator."`
	Dates  []string `arg:"" name:"date" help:"Dates off, YYYY-MM-DD."`
	Reason string   `help:"Why (shown to supervisors)."`
	JSON   bool     `name:"json" help:"Print JSON."`
}

func (c *availabilityDayOffCmd) Run(ctx context.Context, g *Globals) error {
	es := make([]roster.Entry, 0, len(c.Dates))
	for _, s := range c.Dates {
		d, err := httpapi.ParseDate(s)
		if err != nil {
			return err
		}
		es = append(es, roster.Entry{Kind: roster.DayOff, Date: d, Reason: c.Reason})
	}
	return addAvailability(ctx, g, c.Login, es, c.JSON)
}

// addAvailability stores entries (all or none) and reports them.
func addAvailability(ctx context.Context, g *Globals, login string, es []roster.Entry, asJSON bool) error {
	return withDB(ctx, g, func(db *postgres.DB) error {
		added, err := db.Availability().AddAvailability(ctx, login, es, cliAuthor())
		if err != nil {
			return err
		}
		if asJSON {
			out := make([]httpapi.AvailabilityJSON, 0, len(added))
			for _, e := range added {
				out = append(out, httpapi.NewAvailabilityJSON(e))
			}
			return writeJSON(g.out(), out)
		}
		for _, e := range added {
			if e.Kind == roster.DayOff {
				fmt.Fprintf(g.out(), "day off %s for %s added (id %d)\n", e.Date.Format(time.DateOnly), login, e.ID)
			} else {
				fmt.Fprintf(g.out(), "request %s - %s for %s added (id %d)\n", e.From.Format(time.RFC3339), e.To.Format(time.RFC3339), login, e.ID)
			}
		}
		return nil
	})
}

type availabilityRequestCmd struct {
	Login  string `arg:"" help:"Login of the operator."`
	From   string `required:"" help:"Start: YYYY-MM-DDTHH:MM on --tz, a date (its midnight) or an RFC 3339 time."`
	To     string `required:"" help:"End (exclusive), as --from."`
	Reason string `help:"Why (shown to supervisors)."`
	TZ     string `name:"tz" default:"+05:00" help:"Clock of local times and dates."`
	JSON   bool   `name:"json" help:"Print JSON."`
}

func (c *availabilityRequestCmd) Run(ctx context.Context, g *Globals) error {
	loc, err := parseZone(c.TZ)
	if err != nil {
		return invalid(err)
	}
	from, err := parseInstant(c.From, loc)
	if err != nil {
		return invalid(fmt.Errorf("--from %w", err))
	}
	to, err := parseInstant(c.To, loc)
	if err != nil {
		return invalid(fmt.Errorf("--to %w", err))
	}
	return addAvailability(ctx, g, c.Login, []roster.Entry{{Kind: roster.Unavailable, From: from, To: to, Reason: c.Reason}}, c.JSON)
}

type availabilityDecideCmd struct {
	Login   string `arg:"" help:"Login of the operator."`
	ID      int64  `arg:"" help:"Id of the pending request (see 'availability list')."`
	Approve bool   `xor:"decision" required:"" help:"Approve the request: it binds rosters from now on."`
	Decline bool   `xor:"decision" required:"" help:"Decline the request."`
	Note    string `help:"Note to the operator."`
	JSON    bool   `name:"json" help:"Print JSON."`
}

func (c *availabilityDecideCmd) Run(ctx context.Context, g *Globals) error {
	return withDB(ctx, g, func(db *postgres.DB) error {
		e, err := db.Availability().DecideAvailability(ctx, c.Login, c.ID, c.Approve, c.Note, cliAuthor())
		if err != nil {
			return err
		}
		if c.JSON {
			return writeJSON(g.out(), httpapi.NewAvailabilityJSON(e))
		}
		fmt.Fprintf(g.out(), "entry %d of %s %s\n", e.ID, c.Login, e.Status)
		return nil
	})
}

type availabilityRemoveCmd struct {
	Login string `arg:"" help:"Login of the operator."`
	ID    int64  `arg:"" help:"Id of the entry (see 'availability list')."`
}

func (c *availabilityRemoveCmd) Run(ctx context.Context, g *Globals) error {
	return withDB(ctx, g, func(db *postgres.DB) error {
		if err := db.Availability().RemoveAvailability(ctx, c.Login, c.ID, cliAuthor()); err != nil {
			return err
		}
		fmt.Fprintf(g.out(), "entry %d of %s removed\n", c.ID, c.Login)
		return nil
	})
}

type workRulesShowCmd struct {
	Login string `arg:"" help:"Login of the operator."`
	JSON  bool   `name:"json" help:"Print JSON."`
}

func (c *workRulesShowCmd) Run(ctx context.Context, g *Globals) error {
	return withDB(ctx, g, func(db *postgres.DB) error {
		r, err := db.Availability().WorkRules(ctx, c.Login)
		if err != nil {
			return err
		}
		return printWorkRules(g, r, c.JSON)
	})
}

func printWorkRules(g *Globals, r roster.WorkRules, asJSON bool) error {
	out := httpapi.NewWorkRulesJSON(r)
	if asJSON {
		return writeJSON(g.out(), out)
	}
	w := g.out()
	hours := "roster default"
	if out.MaxHoursPerWeek != nil {
		hours = fmt.Sprintf("%g", *out.MaxHoursPerWeek)
	}
	orNone := func(v []string) string {
		if len(v) == 0 {
			return "none"
		}
		return strings.Join(v, ",")
	}
	fmt.Fprintf(w, "operator:           %s\n", out.Operator)
	fmt.Fprintf(w, "max hours per week: %s\n", hours)
	fmt.Fprintf(w, "preferred starts:   %s\n", orNone(out.PreferStarts))
	fmt.Fprintf(w, "preferred days:     %s\n", orNone(out.PreferDays))
	fmt.Fprintf(w, "avoid nights:       %t\n", out.AvoidNights)
	if out.UpdatedAt != nil {
		fmt.Fprintf(w, "updated:            %s by %s\n", out.UpdatedAt.Format(time.RFC3339), out.UpdatedBy)
	}
	return nil
}

type workRulesSetCmd struct {
	Login          string   `arg:"" help:"Login of the operator."`
	MaxHours       *float64 `name:"max-hours" xor:"hours" help:"Most paid hours per week (overrides 'roster build --max-hours')."`
	NoMaxHours     bool     `name:"no-max-hours" xor:"hours" help:"Drop the personal cap: the roster's default applies."`
	PreferStarts   []string `name:"prefer-starts" sep:"," xor:"starts" help:"Preferred start times HH:MM (comma-separated)."`
	NoPreferStarts bool     `name:"no-prefer-starts" xor:"starts" help:"Drop the preferred start times."`
	PreferDays     []string `name:"prefer-days" sep:"," xor:"days" help:"Preferred weekdays: mon, tue, ... (comma-separated)."`
	NoPreferDays   bool     `name:"no-prefer-days" xor:"days" help:"Drop the preferred weekdays."`
	AvoidNights    *bool    `name:"avoid-nights" negatable:"" help:"Prefer shifts that do not touch 00:00-06:00."`
	JSON           bool     `name:"json" help:"Print JSON."`
}

func (c *workRulesSetCmd) Run(ctx context.Context, g *Globals) error {
	if c.MaxHours == nil && !c.NoMaxHours && c.PreferStarts == nil && !c.NoPreferStarts &&
		c.PreferDays == nil && !c.NoPreferDays && c.AvoidNights == nil {
		return apperr.Errorf(apperr.Invalid, "nothing to change: give --max-hours, --prefer-starts, --prefer-days, --avoid-nights or their --no- forms")
	}
	// The flags given, in the API's form, are checked before anything is read.
	var given httpapi.WorkRulesJSON
	given.PreferStarts, given.PreferDays = c.PreferStarts, c.PreferDays
	parsed, err := given.Rules()
	if err != nil {
		return err
	}
	return withDB(ctx, g, func(db *postgres.DB) error {
		store := db.Availability()
		r, err := store.WorkRules(ctx, c.Login)
		if err != nil {
			return err
		}
		switch {
		case c.MaxHours != nil:
			r.MaxHours = c.MaxHours
		case c.NoMaxHours:
			r.MaxHours = nil
		}
		switch {
		case c.PreferStarts != nil:
			r.Starts = parsed.Starts
		case c.NoPreferStarts:
			r.Starts = nil
		}
		switch {
		case c.PreferDays != nil:
			r.Days = parsed.Days
		case c.NoPreferDays:
			r.Days = nil
		}
		if c.AvoidNights != nil {
			r.AvoidNights = *c.AvoidNights
		}
		saved, err := store.SetWorkRules(ctx, c.Login, r, cliAuthor())
		if err != nil {
			return err
		}
		if !c.JSON {
			fmt.Fprintf(g.out(), "work rules of %s set\n", c.Login)
		}
		return printWorkRules(g, saved, c.JSON)
	})
}

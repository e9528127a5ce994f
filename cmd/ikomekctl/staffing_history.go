package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/ikomek/ikomek/internal/staffing/forecast"
)

// historyFlags read the forecast's history from the calls table.
type historyFlags struct {
	FromDB bool          `name:"from-db" xor:"source" help:"Read the history from the call records in the database instead of a CSV."`
	Line   string        `default:"109" help:"With --from-db: the line whose calls to count ('' for every line)."`
	Since  string        `help:"With --from-db: first day of history, YYYY-MM-DD on the --tz clock."`
	Until  string        `help:"With --from-db: day after the last day of history, YYYY-MM-DD (default: now)."`
	WrapUp time.Duration `name:"wrap-up" default:"30s" help:"With --from-db: after-call work added to the talk time of every answered call."`
}

// observations reads the history from --csv or, with --from-db, from the
// call records. Bad flags and unreadable CSV are apperr.Invalid.
func (c *shiftsForecastCmd) observations(ctx context.Context, g *Globals) ([]forecast.Observation, error) {
	if c.FromDB == (c.CSV != "") {
		return nil, invalid(errors.New("give the history as --csv FILE or --from-db"))
	}
	if !c.FromDB {
		f, err := os.Open(c.CSV)
		if err != nil {
			return nil, invalid(err)
		}
		defer f.Close()
		obs, err := forecast.ParseCSV(f)
		if err != nil {
			return nil, invalid(fmt.Errorf("%s: %w", c.CSV, err))
		}
		return obs, nil
	}
	q, err := c.historyQuery()
	if err != nil {
		return nil, invalid(err)
	}
	db, err := g.db(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	obs, err := db.Staffing().Observations(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(obs) == 0 {
		return nil, invalid(fmt.Errorf("no calls on line %q between %s and %s", q.Line, q.Since.Format(time.DateOnly), q.Until.Format(time.RFC3339)))
	}
	return obs, nil
}

func (c *shiftsForecastCmd) historyQuery() (forecast.HistoryQuery, error) {
	loc, err := parseZone(c.TZ)
	if err != nil {
		return forecast.HistoryQuery{}, err
	}
	if c.Since == "" {
		return forecast.HistoryQuery{}, errors.New("--from-db needs --since YYYY-MM-DD")
	}
	since, err := time.ParseInLocation(time.DateOnly, c.Since, loc)
	if err != nil {
		return forecast.HistoryQuery{}, fmt.Errorf("--since %q is not a date YYYY-MM-DD", c.Since)
	}
	now := c.now
	if now == nil {
		now = time.Now
	}
	until := now()
	if c.Until != "" {
		if until, err = time.ParseInLocation(time.DateOnly, c.Until, loc); err != nil {
			return forecast.HistoryQuery{}, fmt.Errorf("--until %q is not a date YYYY-MM-DD", c.Until)
		}
	}
	q := forecast.HistoryQuery{Line: c.Line, Since: since, Until: until, Interval: c.Interval, WrapUp: c.WrapUp}
	if err := q.Validate(); err != nil {
		return forecast.HistoryQuery{}, err
	}
	return q, nil
}

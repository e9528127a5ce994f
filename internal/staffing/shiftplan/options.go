package shiftplan

import (
	"errors"
	"fmt"
	"time"
)

// Options configure the candidate shifts, the caps and the search.
type Options struct {
	// Lengths are the allowed shift lengths, e.g. 8h and 12h; each must be
	// a multiple of the period. Ignored when Patterns is set.
	Lengths []time.Duration
	// Starts are the allowed start times of day (offsets from midnight,
	// multiples of the period). Empty means every period boundary.
	// Ignored when Patterns is set.
	Starts []time.Duration
	// Patterns, when set, replace Starts × Lengths with an explicit list of
	// shifts, each available on every day of the horizon.
	Patterns []Pattern
	// MaxStarts caps the number of distinct start times of day used over
	// the whole horizon; 0 means no cap.
	MaxStarts int
	// Seats caps the operators on duty in any period (desks, licences);
	// 0 means no cap.
	Seats int
	// MaxPerShift caps the operators on one shift (one start on one day
	// with one length); 0 means no cap.
	MaxPerShift int
	// NoWrap makes the horizon end at the last period instead of wrapping
	// to the first, and drops shifts that would run past its end.
	NoWrap bool
	// Breaks are placed after the shifts are chosen, one break per rule
	// for every shift the rule applies to.
	Breaks []BreakRule
	// TimeLimit bounds the whole search; 0 means 5 s. The best plan found
	// is returned with its lower bound when the limit stops the search.
	TimeLimit time.Duration
	// NodeLimit bounds the branch-and-bound nodes per solve; 0 means
	// 200,000.
	NodeLimit int
	// Now reads the clock for the time limit; nil means time.Now.
	Now func() time.Time
}

// Pattern is one allowed shift: it starts Start after midnight (on each
// day of the horizon) and lasts Length; it may run past midnight.
type Pattern struct {
	Name   string
	Start  time.Duration
	Length time.Duration
}

// BreakRule gives every shift of at least MinShift one break of Length
// that starts no earlier than Earliest and ends no later than Latest after
// the shift's start.
type BreakRule struct {
	MinShift time.Duration
	Length   time.Duration
	Earliest time.Duration
	Latest   time.Duration
}

const (
	defaultTimeLimit = 5 * time.Second
	defaultNodeLimit = 200_000
	// breakRepairRounds is how many times the requirement is raised by
	// the break deficit and the shifts chosen again.
	breakRepairRounds = 4
)

func (o Options) validate(period time.Duration, days int) error {
	horizon := time.Duration(days) * 24 * time.Hour
	checkLen := func(what string, l time.Duration) error {
		switch {
		case l <= 0:
			return fmt.Errorf("%s %v must be positive", what, l)
		case l%period != 0:
			return fmt.Errorf("%s %v is not a multiple of the %v period", what, l, period)
		case l > horizon:
			return fmt.Errorf("%s %v is longer than the %v horizon", what, l, horizon)
		}
		return nil
	}
	checkStart := func(what string, s time.Duration) error {
		switch {
		case s < 0 || s >= 24*time.Hour:
			return fmt.Errorf("%s %v must be a time of day in [00:00, 24:00)", what, s)
		case s%period != 0:
			return fmt.Errorf("%s %v is not on a %v period boundary", what, s, period)
		}
		return nil
	}
	if len(o.Patterns) == 0 && len(o.Lengths) == 0 {
		return errors.New("no shift lengths and no patterns given")
	}
	for _, l := range o.Lengths {
		if err := checkLen("shift length", l); err != nil {
			return err
		}
	}
	for _, s := range o.Starts {
		if err := checkStart("start", s); err != nil {
			return err
		}
	}
	for _, p := range o.Patterns {
		if err := checkLen("pattern "+p.Name+" length", p.Length); err != nil {
			return err
		}
		if err := checkStart("pattern "+p.Name+" start", p.Start); err != nil {
			return err
		}
	}
	switch {
	case o.MaxStarts < 0:
		return fmt.Errorf("max starts must not be negative, got %d", o.MaxStarts)
	case o.Seats < 0:
		return fmt.Errorf("seats must not be negative, got %d", o.Seats)
	case o.MaxPerShift < 0:
		return fmt.Errorf("max per shift must not be negative, got %d", o.MaxPerShift)
	case o.TimeLimit < 0:
		return fmt.Errorf("time limit must not be negative, got %v", o.TimeLimit)
	case o.NodeLimit < 0:
		return fmt.Errorf("node limit must not be negative, got %d", o.NodeLimit)
	}
	for i, b := range o.Breaks {
		if err := checkLen(fmt.Sprintf("break %d length", i), b.Length); err != nil {
			return err
		}
		if b.MinShift < 0 || b.Earliest < 0 || b.Earliest%period != 0 || b.Latest%period != 0 {
			return fmt.Errorf("break %d: window %v-%v must lie on %v period boundaries after the shift start", i, b.Earliest, b.Latest, period)
		}
		if b.Latest-b.Earliest < b.Length {
			return fmt.Errorf("break %d: window %v-%v is shorter than the %v break", i, b.Earliest, b.Latest, b.Length)
		}
	}
	return nil
}

package roster

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Kind of an availability entry.
type Kind string

const (
	// DayOff is a whole local date the operator does not work.
	DayOff Kind = "day_off"
	// Unavailable is a span of time the operator cannot work (a request:
	// a doctor's appointment, an exam, leave).
	Unavailable Kind = "unavailable"
)

// Status of an availability entry: an operator's own request waits for a
// supervisor's decision; only approved entries bind a roster.
type Status string

const (
	Pending  Status = "pending"
	Approved Status = "approved"
	Declined Status = "declined"
)

// Limits of stored availability.
const (
	MaxWeekHours     = 168.0                // a personal cap is at most a week
	maxRequestLength = 366 * 24 * time.Hour // a request covers at most a year
	MaxText          = 500                  // characters of a reason or a decision's note
	maxPreferred     = 48                   // preferred start times
)

// Entry is one stored availability entry of an operator.
type Entry struct {
	ID    int64
	Login string
	Kind  Kind
	// Date is the day off (Kind DayOff): only its year, month and day count,
	// read on the clock of the roster being built.
	Date time.Time
	// From and To bound the span [From, To) of an Unavailable entry.
	From, To time.Time
	Reason   string
	// Status is Approved for entries made by supervisors, Pending for an
	// operator's own request until a supervisor decides; "" reads as Approved.
	Status Status
	// CreatedAt and CreatedBy say when and by whom the entry was made.
	CreatedAt time.Time
	CreatedBy string
	// DecidedAt, DecidedBy and Note record the decision on a request.
	DecidedAt *time.Time
	DecidedBy string
	Note      string
}

// Binding reports whether the entry binds a roster: approved.
func (e Entry) Binding() bool { return e.Status == "" || e.Status == Approved }

// Validate checks an entry to be added; the error is safe to show a user.
func (e Entry) Validate() error {
	switch e.Kind {
	case DayOff:
		if e.Date.IsZero() || e.Date.Year() < 2000 || e.Date.Year() > 2200 {
			return errors.New("a day off needs a date between the years 2000 and 2200")
		}
		if !e.From.IsZero() || !e.To.IsZero() {
			return errors.New("a day off has a date, not a from/to span")
		}
	case Unavailable:
		if e.From.IsZero() || e.To.IsZero() {
			return errors.New("an unavailable span needs from and to")
		}
		if !e.Date.IsZero() {
			return errors.New("an unavailable span has from and to, not a date")
		}
		if !e.To.After(e.From) {
			return fmt.Errorf("the span ends (%s) before it starts (%s)", e.To.Format(time.RFC3339), e.From.Format(time.RFC3339))
		}
		if e.To.Sub(e.From) > maxRequestLength {
			return errors.New("an unavailable span covers at most 366 days")
		}
	default:
		return fmt.Errorf("unknown kind %q (%s or %s)", e.Kind, DayOff, Unavailable)
	}
	if n := len([]rune(e.Reason)); n > MaxText {
		return fmt.Errorf("reason longer than %d characters", MaxText)
	}
	switch e.Status {
	case "", Pending, Approved:
	default:
		return fmt.Errorf("a new entry is %s or %s, not %q", Pending, Approved, e.Status)
	}
	return nil
}

// WorkRules are an operator's personal rules for rostering.
type WorkRules struct {
	Login string
	// MaxHours caps the operator's paid hours per week; nil leaves the
	// roster's default.
	MaxHours *float64
	// Starts are preferred shift start times of day.
	Starts []time.Duration
	// Days are preferred working weekdays.
	Days []time.Weekday
	// AvoidNights asks for shifts that do not touch 00:00-06:00.
	AvoidNights bool
	// UpdatedAt and UpdatedBy say when and by whom the rules were last set;
	// zero when they never were.
	UpdatedAt time.Time
	UpdatedBy string
}

// Normalize checks the rules and returns them with start times and
// weekdays sorted and without duplicates; the error is safe to show a user.
func (r WorkRules) Normalize() (WorkRules, error) {
	if r.MaxHours != nil {
		if h := *r.MaxHours; math.IsNaN(h) || h <= 0 || h > MaxWeekHours {
			return r, fmt.Errorf("max hours per week must be more than 0 and at most %v", MaxWeekHours)
		}
	}
	if len(r.Starts) > maxPreferred {
		return r, fmt.Errorf("at most %d preferred start times", maxPreferred)
	}
	starts := slices.Clone(r.Starts)
	for _, s := range starts {
		if s < 0 || s >= 24*time.Hour || s%time.Minute != 0 {
			return r, fmt.Errorf("preferred start %v is not a time of day in whole minutes", s)
		}
	}
	slices.Sort(starts)
	r.Starts = slices.Compact(starts)
	days := slices.Clone(r.Days)
	for _, d := range days {
		if d < time.Sunday || d > time.Saturday {
			return r, fmt.Errorf("weekday %d does not exist", d)
		}
	}
	// Monday first, as a week on the 109 roster runs.
	slices.SortFunc(days, func(a, b time.Weekday) int { return (int(a)+6)%7 - (int(b)+6)%7 })
	r.Days = slices.Compact(days)
	return r, nil
}

// AvailabilityFilter selects availability entries: of one operator when
// Login is set, else of every operator; Unavailable spans overlapping
// [From, To), days off whose date lies between the dates of From and To on
// From's clock (To's date included only when To is after its midnight).
type AvailabilityFilter struct {
	Login    string
	From, To time.Time
}

// Availability keeps operators' work rules and availability; the PostgreSQL
// adapter implements it. The CLI and the API change it; roster building
// reads it. Errors are apperr: NotFound for an unknown operator or entry,
// Invalid for bad input (and then nothing is changed).
type Availability interface {
	// WorkRules returns an operator's rules, zero rules (with Login set) when
	// none were set.
	WorkRules(ctx context.Context, login string) (WorkRules, error)
	// AllWorkRules returns the rules set for any operator, by login.
	AllWorkRules(ctx context.Context) ([]WorkRules, error)
	// SetWorkRules replaces an operator's rules (see WorkRules.Normalize)
	// and returns them as stored, recording by as their author.
	SetWorkRules(ctx context.Context, login string, r WorkRules, by string) (WorkRules, error)
	// AddAvailability adds entries for one operator in one transaction: all
	// or none. Each entry is checked by Entry.Validate and stored with its
	// Status ("" as Approved); a day off already entered and not declined is
	// apperr.Conflict. It returns the entries as stored.
	AddAvailability(ctx context.Context, login string, es []Entry, by string) ([]Entry, error)
	// DecideAvailability approves or declines an operator's pending entry,
	// recording by and the note (at most 500 characters), and returns it;
	// apperr.NotFound when the operator has no such entry, apperr.Conflict
	// when it is not pending.
	DecideAvailability(ctx context.Context, login string, id int64, approve bool, note, by string) (Entry, error)
	// RemoveAvailability removes an operator's entry; apperr.NotFound when
	// the operator has no such entry.
	RemoveAvailability(ctx context.Context, login string, id int64, by string) error
	// ListAvailability returns the entries matching f, by operator then
	// time. An empty period or one over 400 days is apperr.Invalid; an
	// unknown Login is apperr.NotFound.
	ListAvailability(ctx context.Context, f AvailabilityFilter) ([]Entry, error)
}

// ApplyAvailability returns o bound by its work rules and availability
// entries on the horizon of days starting at weekStart (local midnight of
// day 0, on the roster's clock). A personal MaxHours replaces o.MaxHours.
// Days off are mapped to day indexes by their date; unavailable spans are
// clipped to the horizon and the day after it (day index days), into which
// the horizon's last night shifts run; entries outside that, of other
// operators, and not approved (see Entry.Binding) are ignored. Preferred weekdays become the horizon days falling
// on them.
func ApplyAvailability(o Operator, weekStart time.Time, days int, r *WorkRules, es []Entry) Operator {
	loc := weekStart.Location()
	end := weekStart.AddDate(0, 0, days+1)
	if r != nil && r.Login == o.ID {
		if r.MaxHours != nil {
			o.MaxHours = *r.MaxHours
		}
		o.Prefer.Starts = slices.Clone(r.Starts)
		o.Prefer.AvoidNights = r.AvoidNights
		o.Prefer.Days = nil
		for d := range days {
			if slices.Contains(r.Days, weekStart.AddDate(0, 0, d).Weekday()) {
				o.Prefer.Days = append(o.Prefer.Days, d)
			}
		}
	}
	o.DaysOff = slices.Clone(o.DaysOff)
	o.Unavailable = slices.Clone(o.Unavailable)
	for _, e := range es {
		if e.Login != o.ID || !e.Binding() {
			continue
		}
		switch e.Kind {
		case DayOff:
			d := dayIndex(weekStart, e.Date)
			if d >= 0 && d <= days && !slices.Contains(o.DaysOff, d) {
				o.DaysOff = append(o.DaysOff, d)
			}
		case Unavailable:
			from, to := e.From, e.To
			if from.Before(weekStart) {
				from = weekStart
			}
			if to.After(end) {
				to = end
			}
			if !to.After(from) {
				continue
			}
			local := from.In(loc)
			midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
			o.Unavailable = append(o.Unavailable, Span{Day: dayIndex(weekStart, local),
				Start: local.Sub(midnight), Length: to.Sub(from)})
		}
	}
	slices.Sort(o.DaysOff)
	return o
}

// dayIndex counts the calendar days from the date of weekStart to the date
// of t (each read on its own clock), so zone changes in between do not
// shift it.
func dayIndex(weekStart, t time.Time) int {
	a := time.Date(weekStart.Year(), weekStart.Month(), weekStart.Day(), 0, 0, 0, 0, time.UTC)
	b := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours()) / 24
}

// RestAround keeps the least rest across the edges of the horizon: a shift the
// operator works in the stored roster of the week before (ending after weekStart
// less minRest) or of the week after (starting within minRest of the horizon's end)
// makes the stretch of minRest after or before it unavailable; 0 means the
// legal 11 hours, as in Rules. neighbours may hold other operators' and other
// weeks' assignments; those are ignored.
func RestAround(o Operator, weekStart time.Time, days int, minRest time.Duration, neighbours []Assignment) Operator {
	if minRest == 0 {
		minRest = defaultRest
	}
	end := weekStart.AddDate(0, 0, days)
	var es []Entry
	for _, a := range neighbours {
		if a.Login != o.ID {
			continue
		}
		switch {
		case a.StartsAt.Before(weekStart) && a.EndsAt.Add(minRest).After(weekStart):
			es = append(es, Entry{Login: o.ID, Kind: Unavailable, From: weekStart, To: a.EndsAt.Add(minRest)})
		case !a.StartsAt.Before(end) && a.StartsAt.Add(-minRest).Before(end):
			es = append(es, Entry{Login: o.ID, Kind: Unavailable, From: a.StartsAt.Add(-minRest), To: a.StartsAt})
		}
	}
	if len(es) == 0 {
		return o
	}
	return ApplyAvailability(o, weekStart, days, nil, es)
}

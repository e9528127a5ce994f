// Package roster assigns named operators to planned shifts: at least
// MinRest between two shifts of one operator, no work on days off or in
// unavailable spans, at most MaxHours per horizon, and a minimum share of
// speakers of given languages on every shift. It is a pure function over
// plain structs; storage lives elsewhere.
package roster

import (
	"fmt"
	"time"

	"github.com/ikomek/ikomek/internal/staffing/shiftplan"
)

// Operator is a person who can be rostered.
type Operator struct {
	ID string
	// Languages the operator takes calls in, e.g. "kk", "ru".
	Languages []string
	// MaxHours caps the paid hours over the horizon; 0 means no cap.
	MaxHours float64
	// DaysOff are days of the horizon on which the operator works no
	// minute, so a night shift ending on such a day is excluded too. Day
	// Days is the day after the horizon, into which its last night shifts run.
	DaysOff []int
	// Unavailable are further spans the operator cannot work (requests), on
	// the same timeline as DaysOff.
	Unavailable []Span
	// Prefer are soft wishes, honoured when the hard rules leave a choice.
	Prefer Preferences
}

// Span is a stretch of time starting on Day at Start after midnight.
type Span struct {
	Day    int
	Start  time.Duration
	Length time.Duration
}

// Preferences are soft wishes of an operator.
type Preferences struct {
	// Starts are preferred start times of day.
	Starts []time.Duration
	// Days are preferred working days.
	Days []int
	// AvoidNights asks for shifts that do not touch 00:00-06:00.
	AvoidNights bool
}

// Shift is Count places on one planned shift.
type Shift struct {
	Day    int
	Start  time.Duration
	Length time.Duration
	Count  int
}

// FromPlan lists the shifts of a plan.
func FromPlan(p shiftplan.Plan) []Shift {
	out := make([]Shift, 0, len(p.Shifts))
	for _, s := range p.Shifts {
		out = append(out, Shift{Day: s.Day, Start: s.Start, Length: s.Length, Count: s.Count})
	}
	return out
}

// Hours returns the paid hours of one place on the shift.
func (s Shift) Hours() float64 { return s.Length.Hours() }

// Rules are the hard constraints shared by every operator.
type Rules struct {
	// Days is the horizon length in days (1 to 7); 0 means 7.
	Days int
	// NoWrap treats the horizon as a one-off period; by default it repeats
	// (week after week), so rest after a Sunday night shift is counted
	// into Monday.
	NoWrap bool
	// MinRest is the least time between the end of one shift and the start
	// of the next of the same operator; 0 means 11 hours.
	MinRest time.Duration
	// LanguageShare maps a language to the minimum share of each shift's
	// operators who must speak it, e.g. {"kk": 0.5}: a shift of 5 needs 3.
	LanguageShare map[string]float64
}

// Result is a roster.
type Result struct {
	// Staff[i] holds the IDs of the operators on input shift i.
	Staff [][]string
	// Unfilled lists shifts left short of operators.
	Unfilled []Unfilled
	// LanguageGaps lists shifts with fewer speakers than the rules ask.
	LanguageGaps []LanguageGap
	// Hours is the paid hours per operator ID.
	Hours map[string]float64
}

// Unfilled is a shift with Missing places nobody could take.
type Unfilled struct {
	Shift   int
	Missing int
}

// LanguageGap is a shift with Have speakers of Language where Need are
// required.
type LanguageGap struct {
	Shift    int
	Language string
	Need     int
	Have     int
}

// Assign puts operators on shifts. Shifts are taken in time order; each
// first gets the speakers its language shares need, scarcest language
// first, then any other eligible operator. Among eligible operators the
// least loaded (hours over cap) is chosen, moved by preferences and by
// keeping speakers of scarce languages for shifts that need them. Places
// still open are then retried by moving one operator from another shift
// to a colleague who can take it over, and operators of equally long
// shifts swap places where that meets more wishes. What remains short is
// reported, never hidden: Unfilled and LanguageGaps.
func Assign(shifts []Shift, ops []Operator, rules Rules) (res Result, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("roster.Assign: %w", err)
		}
	}()
	a, err := newAssigner(shifts, ops, rules)
	if err != nil {
		return Result{}, err
	}
	for _, g := range a.order {
		a.fill(g)
	}
	a.repair()
	a.improveWishes()
	return a.result(), nil
}

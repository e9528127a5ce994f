package roster

import (
	"context"
	"time"
)

// Break is Count places of one break on a shift, starting Offset after the
// shift's start.
type Break struct {
	Offset time.Duration
	Length time.Duration
	Count  int
}

// Assignment is one operator's shift on the calendar.
type Assignment struct {
	PlanID   int64     `json:"plan_id"`
	Login    string    `json:"operator"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	// BreakStartsAt and BreakEndsAt are the operator's break, when the plan
	// placed one on the shift.
	BreakStartsAt *time.Time `json:"break_starts_at,omitempty"`
	BreakEndsAt   *time.Time `json:"break_ends_at,omitempty"`
}

// OnBreak reports whether the operator is on their break at t.
func (a Assignment) OnBreak(t time.Time) bool {
	return a.BreakStartsAt != nil && a.BreakEndsAt != nil && !t.Before(*a.BreakStartsAt) && t.Before(*a.BreakEndsAt)
}

// Schedule puts a roster on the calendar. weekStart is the local midnight of
// day 0 of the horizon; breaks[i] (optional) are the breaks the plan placed
// on shifts[i], handed to its operators in order, one each.
func Schedule(weekStart time.Time, shifts []Shift, breaks [][]Break, res Result) []Assignment {
	var out []Assignment
	for i, s := range shifts {
		if i >= len(res.Staff) {
			break
		}
		start := weekStart.AddDate(0, 0, s.Day).Add(s.Start)
		var slots []Break
		if i < len(breaks) {
			for _, b := range breaks[i] {
				for range b.Count {
					slots = append(slots, b)
				}
			}
		}
		for k, login := range res.Staff[i] {
			a := Assignment{Login: login, StartsAt: start, EndsAt: start.Add(s.Length)}
			if k < len(slots) {
				bs := start.Add(slots[k].Offset)
				be := bs.Add(slots[k].Length)
				a.BreakStartsAt, a.BreakEndsAt = &bs, &be
			}
			out = append(out, a)
		}
	}
	return out
}

// StoredPlan is a shift plan kept with its roster.
type StoredPlan struct {
	ID            int64     `json:"id"`
	CreatedAt     time.Time `json:"created_at"`
	PeriodMinutes int       `json:"period_minutes"`
	// WeekStart is the first day of the horizon (a date).
	WeekStart     time.Time `json:"week_start"`
	OperatorHours float64   `json:"operator_hours"`
	LowerBound    float64   `json:"lower_bound"`
}

// Filter selects assignments overlapping [From, To), of one operator when
// Operator is set.
type Filter struct {
	Operator string
	From, To time.Time
}

// Store keeps rosters. The PostgreSQL adapter implements it.
type Store interface {
	// SaveRoster stores a plan and its assignments in one transaction and
	// returns the plan with its ID and creation time. A later roster for the
	// same WeekStart replaces the earlier one in Assignments. Invalid plans
	// or assignments are apperr.Invalid.
	SaveRoster(ctx context.Context, p StoredPlan, as []Assignment) (StoredPlan, error)
	// Assignments returns the assignments of the newest roster of each week
	// that overlap f, by start time then login. A period longer than 62 days
	// or an empty one is apperr.Invalid.
	Assignments(ctx context.Context, f Filter) ([]Assignment, error)
}

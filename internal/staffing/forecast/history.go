package forecast

import (
	"context"
	"fmt"
	"time"
)

// HistoryQuery selects the call records that History aggregates.
type HistoryQuery struct {
	// Line is the dialled line ("109", "556655"); empty means every line.
	Line string
	// Since and Until bound the arrival times, [Since, Until). Since is also
	// the origin of the interval grid, so give it on a local midnight.
	Since, Until time.Time
	// Interval is the length of one observation.
	Interval time.Duration
	// WrapUp is the after-call work added to the talk time of every answered
	// call: the records hold talk time only.
	WrapUp time.Duration
}

// Validate reports a query History cannot answer.
func (q HistoryQuery) Validate() error {
	switch {
	case q.Since.IsZero() || q.Until.IsZero() || !q.Since.Before(q.Until):
		return fmt.Errorf("the history period [%s, %s) is empty", q.Since.Format(time.RFC3339), q.Until.Format(time.RFC3339))
	case q.Interval <= 0 || q.Interval%time.Minute != 0 || (24*time.Hour)%q.Interval != 0:
		return fmt.Errorf("interval %v must be a whole number of minutes dividing a day", q.Interval)
	case q.WrapUp < 0:
		return fmt.Errorf("wrap-up must not be negative, got %v", q.WrapUp)
	}
	return nil
}

// History turns the project's own call records into observations; the
// PostgreSQL adapter implements it over the calls table.
type History interface {
	// Observations returns one observation per interval of q that had an
	// arrival, oldest first. Calls counts every arrival (offered calls,
	// abandoned ones included). HandleSeconds is Calls times the mean handle
	// time (talk from connection to hang-up, plus q.WrapUp) of the calls of
	// the interval that were answered and have ended, so that abandoned
	// calls do not dilute the measured handle time; an interval where no
	// call was answered takes the mean over the whole query. Invalid queries
	// are apperr.Invalid.
	Observations(ctx context.Context, q HistoryQuery) ([]Observation, error)
}

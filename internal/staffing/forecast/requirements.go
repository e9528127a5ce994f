package forecast

import (
	"fmt"
	"time"

	"github.com/ikomek/ikomek/internal/staffing"
)

// RequirementOptions turn forecast traffic into scheduled operators.
type RequirementOptions struct {
	Target staffing.Target
	// Patience is the callers' mean patience; 0 selects Erlang C, a
	// positive value Erlang A.
	Patience time.Duration
	// Shrinkage is the share of paid time not spent on the phones.
	Shrinkage float64
	// MinScheduled is the least headcount of any interval, e.g. 1 to keep
	// a 24/7 line open at night.
	MinScheduled int
	// HandleTime, when positive, replaces the measured handle times.
	HandleTime time.Duration
}

// Requirements returns the scheduled operators per weekday (rows, Monday
// first) and interval: for each cell, the smallest agent count meeting the
// target at the forecast calls and handle time (staffing.Required), raised
// for shrinkage (staffing.Scheduled) and to at least MinScheduled.
func (f *Forecast) Requirements(o RequirementOptions) (req [][]int, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("forecast.Requirements: %w", err)
		}
	}()
	if o.MinScheduled < 0 {
		return nil, fmt.Errorf("minimum headcount must not be negative, got %d", o.MinScheduled)
	}
	if o.HandleTime < 0 {
		return nil, fmt.Errorf("handle time must not be negative, got %v", o.HandleTime)
	}
	req = make([][]int, 7)
	for d := range 7 {
		req[d] = make([]int, len(f.Calls[d]))
		for i, calls := range f.Calls[d] {
			aht := o.HandleTime
			if aht == 0 {
				aht = time.Duration(f.HandleSeconds[d][i] * float64(time.Second))
			}
			tr := staffing.Traffic{Calls: calls, Interval: f.Interval, AHT: aht, Patience: o.Patience}
			m, err := staffing.Required(tr, o.Target)
			if err != nil {
				return nil, fmt.Errorf("weekday %d interval %d: %w", d, i, err)
			}
			n, err := staffing.Scheduled(m.Agents, o.Shrinkage)
			if err != nil {
				return nil, err
			}
			req[d][i] = max(n, o.MinScheduled)
		}
	}
	return req, nil
}

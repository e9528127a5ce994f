package shiftplan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Demand is the number of operators that must be on duty in each period.
// In JSON it reads
//
//	{"period_minutes": 60, "days": [[r0, r1, ..., r23], ...]}
//
// with one row per day (1 to 7 rows) and 1440/period_minutes periods per
// row. Other fields are ignored.
type Demand struct {
	PeriodMinutes int     `json:"period_minutes"`
	Days          [][]int `json:"days"`
}

// MaxDemandBytes bounds the size of a demand document.
const MaxDemandBytes = 1 << 20

// maxOperators bounds one period's requirement: far above any call center,
// low enough that sums stay exact in float64.
const maxOperators = 1_000_000

// ParseDemand decodes and validates a demand document.
func ParseDemand(r io.Reader) (d Demand, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("shiftplan.ParseDemand: %w", err)
		}
	}()
	data, err := io.ReadAll(io.LimitReader(r, MaxDemandBytes+1))
	if err != nil {
		return Demand{}, err
	}
	if len(data) > MaxDemandBytes {
		return Demand{}, fmt.Errorf("document larger than %d bytes", MaxDemandBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&d); err != nil {
		return Demand{}, err
	}
	if dec.More() {
		return Demand{}, errors.New("unexpected data after the demand object")
	}
	if err := d.Validate(); err != nil {
		return Demand{}, err
	}
	return d, nil
}

// PeriodsPerDay returns 1440 / PeriodMinutes.
func (d Demand) PeriodsPerDay() int {
	if d.PeriodMinutes <= 0 {
		return 0
	}
	return 24 * 60 / d.PeriodMinutes
}

// Validate checks the period length, the number of days, the row lengths
// and that every requirement is a non-negative count.
func (d Demand) Validate() error {
	if d.PeriodMinutes <= 0 || (24*60)%d.PeriodMinutes != 0 {
		return fmt.Errorf("period_minutes must divide a day (e.g. 30 or 60), got %d", d.PeriodMinutes)
	}
	if len(d.Days) < 1 || len(d.Days) > 7 {
		return fmt.Errorf("days must hold 1 to 7 rows, got %d", len(d.Days))
	}
	ppd := d.PeriodsPerDay()
	for i, row := range d.Days {
		if len(row) != ppd {
			return fmt.Errorf("day %d has %d periods, want %d for %d-minute periods", i, len(row), ppd, d.PeriodMinutes)
		}
		for p, v := range row {
			if v < 0 || v > maxOperators {
				return fmt.Errorf("day %d period %d: requirement %d out of range [0, %d]", i, p, v, maxOperators)
			}
		}
	}
	return nil
}

package forecast

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Observation is the traffic of one interval of history.
type Observation struct {
	// Start is the start of the interval. Its wall clock in the forecast
	// location decides the weekday and the interval of the day.
	Start time.Time
	// Calls is the number of calls offered in the interval.
	Calls float64
	// HandleSeconds is the total handle time of those calls: talk, hold,
	// ticket entry and wrap-up, in seconds.
	HandleSeconds float64
}

// CSV columns, by header name (order free, other columns ignored):
//
//	interval_start   RFC 3339 time of the interval start, e.g. 2025-01-13T06:30:00+05:00
//	calls            calls offered in the interval, a non-negative number
//	handle_seconds   total handle seconds of those calls, a non-negative number
//
// A header row is required. Intervals without a row count as intervals
// without calls; rows that share a start are added together.
const (
	ColumnStart  = "interval_start"
	ColumnCalls  = "calls"
	ColumnHandle = "handle_seconds"
)

// ParseCSV reads observations in the format described at ColumnStart.
// Errors name the line and column at fault.
func ParseCSV(r io.Reader) (obs []Observation, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("forecast.ParseCSV: %w", err)
		}
	}()
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("empty input: want a header row")
	}
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := col[name]; dup {
			return nil, fmt.Errorf("header: column %q appears twice", name)
		}
		col[name] = i
	}
	for _, want := range []string{ColumnStart, ColumnCalls, ColumnHandle} {
		if _, ok := col[want]; !ok {
			return nil, fmt.Errorf("header: missing column %q (want %s,%s,%s)", want, ColumnStart, ColumnCalls, ColumnHandle)
		}
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		field := func(name string) (string, error) {
			i := col[name]
			if i >= len(rec) {
				return "", fmt.Errorf("line %d: missing %s", line, name)
			}
			return strings.TrimSpace(rec[i]), nil
		}
		var o Observation
		s, err := field(ColumnStart)
		if err != nil {
			return nil, err
		}
		if o.Start, err = time.Parse(time.RFC3339, s); err != nil {
			return nil, fmt.Errorf("line %d: %s %q is not an RFC 3339 time", line, ColumnStart, s)
		}
		if o.Calls, err = parseCount(field, ColumnCalls, line); err != nil {
			return nil, err
		}
		if o.HandleSeconds, err = parseCount(field, ColumnHandle, line); err != nil {
			return nil, err
		}
		obs = append(obs, o)
	}
	if len(obs) == 0 {
		return nil, errors.New("no observations after the header")
	}
	return obs, nil
}

// maxValue bounds calls and handle seconds per interval.
const maxValue = 1e12

func parseCount(field func(string) (string, error), name string, line int) (float64, error) {
	s, err := field(name)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("line %d: %s %q is not a number", line, name, s)
	}
	if v < 0 || v > maxValue {
		return 0, fmt.Errorf("line %d: %s %v out of range [0, %g]", line, name, v, maxValue)
	}
	return v, nil
}

package shiftplan

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// candidate is one shift that may be chosen: it starts at absolute period
// start of the horizon and works length consecutive periods (wrapping).
type candidate struct {
	start   int
	length  int
	pattern string
}

// program is the covering integer program for one requirement vector.
type program struct {
	periods int // days × periods per day
	ppd     int
	req     []int
	cands   []candidate
	cols    [][]int32 // rows covered by each candidate
	cost    []float64 // paid periods
	colHi   []float64
	rowHi   []float64
}

// clock returns the start period of day of candidate j.
func (p *program) clock(j int) int { return p.cands[j].start % p.ppd }

// buildProgram lists the candidate shifts for req (one entry per period of
// the horizon). A candidate that covers no period with a positive
// requirement can only add cost and is left out.
func buildProgram(req []int, ppd int, period time.Duration, o Options) (*program, error) {
	n := len(req)
	p := &program{periods: n, ppd: ppd, req: req, rowHi: make([]float64, n)}
	for i := range p.rowHi {
		p.rowHi[i] = math.Inf(1)
		if o.Seats > 0 {
			p.rowHi[i] = float64(o.Seats)
			if req[i] > o.Seats {
				return nil, fmt.Errorf("%w: %s needs %d operators but only %d seats exist", ErrInfeasible, periodName(i, ppd, period), req[i], o.Seats)
			}
		}
	}
	type shape struct {
		clock, length int
		name          string
	}
	var shapes []shape
	if len(o.Patterns) > 0 {
		for _, pt := range o.Patterns {
			shapes = append(shapes, shape{int(pt.Start / period), int(pt.Length / period), pt.Name})
		}
	} else {
		clocks := make([]int, 0, ppd)
		if len(o.Starts) == 0 {
			for c := range ppd {
				clocks = append(clocks, c)
			}
		} else {
			for _, s := range o.Starts {
				clocks = append(clocks, int(s/period))
			}
			slices.Sort(clocks)
			clocks = slices.Compact(clocks)
		}
		lengths := make([]int, 0, len(o.Lengths))
		for _, l := range o.Lengths {
			lengths = append(lengths, int(l/period))
		}
		slices.Sort(lengths)
		lengths = slices.Compact(lengths)
		for _, c := range clocks {
			for _, l := range lengths {
				shapes = append(shapes, shape{clock: c, length: l})
			}
		}
	}
	covered := make([]bool, n)
	for day := 0; day < n/ppd; day++ {
		for _, sh := range shapes {
			start := day*ppd + sh.clock
			if o.NoWrap && start+sh.length > n {
				continue
			}
			rows := make([]int32, sh.length)
			peak := 0
			for k := range rows {
				r := (start + k) % n
				rows[k] = int32(r)
				peak = max(peak, req[r])
			}
			if peak == 0 {
				continue
			}
			if o.MaxPerShift > 0 {
				peak = min(peak, o.MaxPerShift)
			}
			for _, r := range rows {
				covered[r] = true
			}
			p.cands = append(p.cands, candidate{start: start, length: sh.length, pattern: sh.name})
			p.cols = append(p.cols, rows)
			p.cost = append(p.cost, float64(sh.length))
			// An optimal plan never staffs a shift above the largest
			// requirement it meets: one operator fewer still covers.
			p.colHi = append(p.colHi, float64(peak))
		}
	}
	for r, v := range req {
		if v > 0 && !covered[r] {
			return nil, fmt.Errorf("%w: %s needs %d operators but no allowed shift covers it", ErrInfeasible, periodName(r, ppd, period), v)
		}
	}
	return p, nil
}

// periodName renders absolute period r as "day 2 07:30".
func periodName(r, ppd int, period time.Duration) string {
	return fmt.Sprintf("day %d %s", r/ppd, clockString(time.Duration(r%ppd)*period))
}

// clockString renders an offset from midnight as HH:MM.
func clockString(d time.Duration) string {
	m := int(d / time.Minute)
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}

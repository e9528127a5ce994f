package shiftplan

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// restrictStarts keeps at most k distinct start times of day by closing
// (upper bound 0) every candidate of the others. It drops the start times
// the LP relaxation uses least, re-solving after each drop, then tries
// swapping a kept start time for a dropped one while the LP value falls
// and the time allows. The LP is left solved on the kept start times.
func (m *mip) restrictStarts(k int, lim limits) error {
	p := m.p
	byClock := map[int][]int{}
	for j := range p.cols {
		if m.hi[j] > 0 {
			byClock[p.clock(j)] = append(byClock[p.clock(j)], j)
		}
	}
	if len(byClock) <= k {
		return nil
	}
	active := map[int]bool{}
	for c := range byClock {
		active[c] = true
	}
	protected := map[int]bool{}
	closeClock := func(c int, open bool) {
		for _, j := range byClock[c] {
			if open {
				m.hi[j] = p.colHi[j]
			} else {
				m.hi[j] = 0
			}
		}
	}
	value, err := m.solveRoot()
	if err != nil {
		return err
	}
	singleStep := false
	for len(active) > k {
		usage := map[int]float64{}
		for c := range active {
			for _, j := range byClock[c] {
				usage[c] += p.cost[j] * m.lp.value(j)
			}
		}
		var cands []int
		for c := range active {
			if !protected[c] {
				cands = append(cands, c)
			}
		}
		if len(cands) == 0 {
			// Greedy elimination reached a set where every removal breaks
			// coverage: start again from a covering set of k start times.
			set, err := m.coveringStarts(k, byClock, usage)
			if err != nil {
				return err
			}
			clear(active)
			for c := range byClock {
				closeClock(c, set[c])
				if set[c] {
					active[c] = true
				}
			}
			if value, err = m.solveRoot(); err != nil {
				return err
			}
			break
		}
		slices.SortFunc(cands, func(a, b int) int {
			if usage[a] != usage[b] {
				return cmpFloat(usage[a], usage[b])
			}
			return a - b
		})
		batch := 1
		if !singleStep {
			zero := 0
			for _, c := range cands {
				if usage[c] < 1e-9 {
					zero++
				}
			}
			batch = max(1, min(zero, len(active)-k))
		}
		victims := cands[:batch]
		for _, c := range victims {
			closeClock(c, false)
		}
		v, err := m.solveRoot()
		if err != nil {
			for _, c := range victims {
				closeClock(c, true)
			}
			if batch == 1 {
				protected[victims[0]] = true
			}
			singleStep = true
			if _, err := m.solveRoot(); err != nil {
				return err
			}
			continue
		}
		value = v
		for _, c := range victims {
			delete(active, c)
		}
	}

	// Swap pass: spend at most half of the remaining time.
	budget := lim.deadline.Sub(lim.now()) / 2
	swapDeadline := lim.now().Add(budget)
	var dropped []int
	for c := range byClock {
		if !active[c] {
			dropped = append(dropped, c)
		}
	}
	slices.Sort(dropped)
	for improved := true; improved; {
		improved = false
		kept := make([]int, 0, len(active))
		for c := range active {
			kept = append(kept, c)
		}
		slices.Sort(kept)
		for _, in := range kept {
			for di, out := range dropped {
				if lim.now().After(swapDeadline) {
					_, err := m.solveRoot()
					return err
				}
				closeClock(in, false)
				closeClock(out, true)
				v, err := m.solveRoot()
				if err == nil && v < value-1e-6*math.Max(1, value) {
					value = v
					delete(active, in)
					active[out] = true
					dropped[di] = in
					improved = true
					break
				}
				closeClock(out, false)
				closeClock(in, true)
			}
		}
	}
	_, err = m.solveRoot()
	return err
}

// coveringStarts searches for k start times whose shifts reach every
// period with a positive requirement, trying start times in order of LP
// usage, and returns the covering set with the best LP value among the
// first few found. It leaves the column bounds to the caller.
func (m *mip) coveringStarts(k int, byClock map[int][]int, usage map[int]float64) (map[int]bool, error) {
	p := m.p
	clocks := make([]int, 0, len(byClock))
	reach := map[int][]bool{}
	for c, cols := range byClock {
		clocks = append(clocks, c)
		r := make([]bool, p.periods)
		for _, j := range cols {
			for _, row := range p.cols[j] {
				r[row] = true
			}
		}
		reach[c] = r
	}
	slices.SortFunc(clocks, func(a, b int) int {
		if usage[a] != usage[b] {
			return cmpFloat(usage[b], usage[a])
		}
		return a - b
	})
	const maxSets, maxNodes = 24, 200_000
	var sets [][]int
	nodes := 0
	chosen := make([]int, 0, k)
	count := make([]int, p.periods)
	var dfs func()
	dfs = func() {
		nodes++
		if len(sets) >= maxSets || nodes > maxNodes {
			return
		}
		first := -1
		for r, v := range p.req {
			if v > 0 && count[r] == 0 {
				first = r
				break
			}
		}
		if first < 0 {
			sets = append(sets, slices.Clone(chosen))
			return
		}
		if len(chosen) == k {
			return
		}
		for _, c := range clocks {
			if !reach[c][first] || slices.Contains(chosen, c) {
				continue
			}
			chosen = append(chosen, c)
			for r, ok := range reach[c] {
				if ok {
					count[r]++
				}
			}
			dfs()
			for r, ok := range reach[c] {
				if ok {
					count[r]--
				}
			}
			chosen = chosen[:len(chosen)-1]
		}
	}
	dfs()
	var best map[int]bool
	bestValue := math.Inf(1)
	for _, set := range sets {
		open := map[int]bool{}
		for _, c := range set {
			open[c] = true
		}
		for c, cols := range byClock {
			for _, j := range cols {
				if open[c] {
					m.hi[j] = p.colHi[j]
				} else {
					m.hi[j] = 0
				}
			}
		}
		if v, err := m.solveRoot(); err == nil && v < bestValue {
			best, bestValue = open, v
		}
	}
	if best == nil {
		return nil, fmt.Errorf("%w with at most %d start times", ErrInfeasible, k)
	}
	return best, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// usedStarts returns the distinct start times of day of a plan.
func usedStarts(p *program, x []int, period time.Duration) []time.Duration {
	var out []time.Duration
	for j, v := range x {
		if v > 0 {
			out = append(out, time.Duration(p.clock(j))*period)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

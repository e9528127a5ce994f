package shiftplan

import (
	"math"
	"slices"
	"time"
)

// breakRule is a BreakRule in periods.
type breakRule struct {
	minLen, length int
	first, last    int // allowed break start offsets from the shift start
}

func breakRules(rules []BreakRule, period time.Duration) []breakRule {
	out := make([]breakRule, 0, len(rules))
	for _, b := range rules {
		out = append(out, breakRule{
			minLen: int((b.MinShift + period - 1) / period),
			length: int(b.Length / period),
			first:  int(b.Earliest / period),
			last:   int((b.Latest - b.Length) / period),
		})
	}
	return out
}

// breakItem is one break to place: rule r of one operator on shift col.
type breakItem struct {
	col, inst, rule int
	first, last     int
	offset          int // chosen start offset, -1 while unplaced
}

// breakPlacement is the outcome of placing breaks in chosen shifts.
type breakPlacement struct {
	items   []breakItem
	onDuty  []int // operators working (not on break) per period
	deficit []int // max(0, requirement - onDuty) per period
	short   int   // Σ deficit
	// unplaced counts breaks that found no slot clear of the operator's
	// other breaks.
	unplaced int
}

// placeBreaks gives every chosen operator the breaks its rules ask for, so
// that the operators on duty stay at or above req wherever possible. Breaks
// with the fewest allowed positions go first, each where the smallest
// surplus over its periods is largest; then breaks that cause a deficit
// are moved while that helps.
func placeBreaks(p *program, x []int, req []int, rules []breakRule) breakPlacement {
	n := p.periods
	surplus := make([]int, n)
	for j, v := range x {
		for _, r := range p.cols[j] {
			surplus[r] += v
		}
	}
	for r := range surplus {
		surplus[r] -= req[r]
	}
	var items []breakItem
	for j, v := range x {
		length := p.cands[j].length
		for inst := range v {
			for ri, rule := range rules {
				if length < rule.minLen {
					continue
				}
				last := min(rule.last, length-rule.length)
				if last < rule.first {
					continue // the window does not fit in this shift
				}
				items = append(items, breakItem{col: j, inst: inst, rule: ri, first: rule.first, last: last, offset: -1})
			}
		}
	}
	slices.SortStableFunc(items, func(a, b breakItem) int {
		return (a.last - a.first) - (b.last - b.first)
	})
	// Breaks of one operator must not overlap: index them by operator.
	type operator struct{ col, inst int }
	byOp := map[operator][]int{}
	for i, t := range items {
		k := operator{t.col, t.inst}
		byOp[k] = append(byOp[k], i)
	}
	rows := func(t *breakItem, off int) []int32 {
		return p.cols[t.col][off : off+rules[t.rule].length]
	}
	overlaps := func(i, off int) bool {
		t := &items[i]
		for _, o := range byOp[operator{t.col, t.inst}] {
			u := &items[o]
			if o == i || u.offset < 0 {
				continue
			}
			if off < u.offset+rules[u.rule].length && u.offset < off+rules[t.rule].length {
				return true
			}
		}
		return false
	}
	best := func(i int) int {
		t := &items[i]
		mid := float64(t.first+t.last) / 2
		bestOff, bestMin, bestDist := -1, math.MinInt, math.Inf(1)
		for off := t.first; off <= t.last; off++ {
			if overlaps(i, off) {
				continue
			}
			lo := math.MaxInt
			for _, r := range rows(t, off) {
				lo = min(lo, surplus[r])
			}
			dist := math.Abs(float64(off) - mid)
			if lo > bestMin || (lo == bestMin && dist < bestDist) {
				bestOff, bestMin, bestDist = off, lo, dist
			}
		}
		return bestOff
	}
	apply := func(i, off, delta int) {
		for _, r := range rows(&items[i], off) {
			surplus[r] += delta
		}
	}
	for i := range items {
		if off := best(i); off >= 0 {
			items[i].offset = off
			apply(i, off, -1)
		}
	}
	for pass := 0; pass < 4; pass++ {
		moved := false
		for i := range items {
			t := &items[i]
			if t.offset < 0 {
				continue
			}
			short := false
			for _, r := range rows(t, t.offset) {
				short = short || surplus[r] < 0
			}
			if !short {
				continue
			}
			old := t.offset
			apply(i, old, +1)
			t.offset = -1
			off := best(i)
			if off < 0 {
				off = old
			}
			t.offset = off
			apply(i, off, -1)
			moved = moved || off != old
		}
		if !moved {
			break
		}
	}
	bp := breakPlacement{items: items, onDuty: make([]int, n), deficit: make([]int, n)}
	for _, t := range items {
		if t.offset < 0 {
			bp.unplaced++
		}
	}
	for r := range surplus {
		bp.onDuty[r] = surplus[r] + req[r]
		if surplus[r] < 0 {
			bp.deficit[r] = -surplus[r]
			bp.short += -surplus[r]
		}
	}
	return bp
}

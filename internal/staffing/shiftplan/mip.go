package shiftplan

import (
	"container/heap"
	"errors"
	"math"
	"slices"
	"time"
)

// ErrInfeasible is returned (wrapped) when no combination of the allowed
// shifts can meet the demand within the caps.
var ErrInfeasible = errors.New("no combination of the allowed shifts covers the requirement within the caps")

const (
	intTol        = 1e-6
	rootIterLimit = 200_000
	nodeIterLimit = 20_000
)

// limits stop a search by wall clock or node count.
type limits struct {
	deadline time.Time
	now      func() time.Time
	nodes    int
}

func (l limits) expired() bool { return l.now().After(l.deadline) }

// mipResult is the outcome of branch and bound on one program.
type mipResult struct {
	x       []int
	cost    float64 // Σ c_j·x_j, in periods
	bound   float64 // proven lower bound on the optimum, in periods
	nodes   int
	optimal bool
}

// boundChange narrows column col to [lo, hi].
type boundChange struct {
	col    int
	lo, hi float64
}

type bbNode struct {
	bound   float64
	depth   int
	changes []boundChange
}

type nodeHeap []bbNode

func (h nodeHeap) Len() int { return len(h) }
func (h nodeHeap) Less(i, j int) bool {
	if h[i].bound != h[j].bound {
		return h[i].bound < h[j].bound
	}
	return h[i].depth > h[j].depth
}
func (h nodeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *nodeHeap) Push(x any)   { *h = append(*h, x.(bbNode)) }
func (h *nodeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// mip solves one program by LP-based branch and bound.
type mip struct {
	p    *program
	lp   *simplex
	gran float64 // every plan's cost is a multiple of gran
	hi   []float64
	// noRounding turns the rounding heuristic off, so tests can check that
	// branching alone reaches the optimum.
	noRounding bool
}

// newMIP prepares the LP. Costs are lowered by at most 1e-7 of their value
// in a fixed pseudo-random pattern: it breaks the ties that stall the dual
// simplex, and a lower-cost relaxation still bounds the true optimum from
// below.
func newMIP(p *program) *mip {
	n := len(p.cols)
	pert := make([]float64, n)
	gran := 0
	for j, c := range p.cost {
		u := math.Mod(float64(j)*0.6180339887498949, 1)
		pert[j] = c * (1 - 1e-7*(0.5+0.5*u))
		gran = gcd(gran, int(c))
	}
	lo := make([]float64, n)
	rowLo := make([]float64, p.periods)
	for i, v := range p.req {
		rowLo[i] = float64(v)
	}
	return &mip{
		p:    p,
		lp:   newSimplex(p.periods, p.cols, pert, rowLo, p.rowHi, lo, p.colHi),
		gran: float64(max(gran, 1)),
		hi:   slices.Clone(p.colHi),
	}
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// roundUp lifts an LP value to the next achievable plan cost.
func (m *mip) roundUp(v float64) float64 {
	return math.Ceil(v/m.gran-1e-6) * m.gran
}

// setRootBounds restores every column to [0, hi].
func (m *mip) setRootBounds() {
	for j, h := range m.hi {
		m.lp.setBounds(j, 0, h)
	}
}

// solveRoot solves the LP relaxation with the current root bounds and
// returns its value (a valid lower bound, before rounding).
func (m *mip) solveRoot() (float64, error) {
	m.setRootBounds()
	switch m.lp.solve(rootIterLimit) {
	case lpInfeasible:
		return 0, ErrInfeasible
	case lpIterationLimit:
		return 0, errors.New("LP relaxation did not converge")
	}
	return m.lp.objective(), nil
}

// branchAndBound searches for an integer plan, starting from an LP already
// solved at the root, until it is proven optimal or the limits stop it.
func (m *mip) branchAndBound(root float64, lim limits) mipResult {
	res := mipResult{cost: math.Inf(1)}
	open := &nodeHeap{}
	var next *bbNode
	rootNode := bbNode{bound: m.roundUp(root)}
	next = &rootNode
	solved := true // the root LP is already solved
	unproven := math.Inf(1)
	for {
		var nd bbNode
		switch {
		case next != nil:
			nd, next = *next, nil
		case open.Len() > 0:
			nd = heap.Pop(open).(bbNode)
		default:
			res.bound = math.Min(res.cost, unproven)
			res.optimal = res.bound >= res.cost
			return res
		}
		if nd.bound >= res.cost {
			continue
		}
		if res.nodes >= lim.nodes || (res.nodes%16 == 0 && lim.expired()) {
			heap.Push(open, nd)
			break
		}
		res.nodes++
		if !solved {
			m.setRootBounds()
			for _, c := range nd.changes {
				m.lp.setBounds(c.col, c.lo, c.hi)
			}
			switch m.lp.solve(nodeIterLimit) {
			case lpInfeasible:
				continue
			case lpIterationLimit:
				// Give up on this subtree but keep its bound honest.
				unproven = math.Min(unproven, nd.bound)
				continue
			}
		}
		solved = false
		bound := math.Max(nd.bound, m.roundUp(m.lp.objective()))
		if bound >= res.cost {
			continue
		}
		if x, cost, ok := m.roundingHeuristic(); !m.noRounding && ok && cost < res.cost {
			res.x, res.cost = x, cost
			if bound >= res.cost {
				continue
			}
		}
		j := m.branchColumn()
		if j < 0 {
			// Integral LP optimum: the best plan in this subtree.
			x := m.integralX()
			if cost := m.cost(x); cost < res.cost {
				res.x, res.cost = x, cost
			}
			continue
		}
		v := m.lp.value(j)
		up := bbNode{bound: bound, depth: nd.depth + 1, changes: appendChange(nd.changes, boundChange{j, math.Ceil(v), m.lp.hi[j]})}
		down := bbNode{bound: bound, depth: nd.depth + 1, changes: appendChange(nd.changes, boundChange{j, m.lp.lo[j], math.Floor(v)})}
		heap.Push(open, down)
		next = &up
	}
	res.bound = math.Min(res.cost, unproven)
	for _, nd := range *open {
		res.bound = math.Min(res.bound, nd.bound)
	}
	res.optimal = res.bound >= res.cost
	return res
}

func appendChange(cs []boundChange, c boundChange) []boundChange {
	out := make([]boundChange, len(cs), len(cs)+1)
	copy(out, cs)
	return append(out, c)
}

// branchColumn picks the fractional column whose value is closest to its
// ceiling: the up branch explored first then changes the LP least, which
// makes the first plunge a good rounding. It returns -1 if none.
func (m *mip) branchColumn() int {
	best, j := -1.0, -1
	for c := range m.p.cols {
		v := m.lp.value(c)
		f := v - math.Floor(v)
		if f < intTol || f > 1-intTol {
			continue
		}
		score := f + 1e-3*m.p.cost[c]/float64(m.p.periods)
		if score > best {
			best, j = score, c
		}
	}
	return j
}

func (m *mip) integralX() []int {
	x := make([]int, len(m.p.cols))
	for j := range x {
		x[j] = int(math.Round(m.lp.value(j)))
	}
	return x
}

func (m *mip) cost(x []int) float64 {
	c := 0.0
	for j, v := range x {
		c += float64(v) * m.p.cost[j]
	}
	return c
}

// roundingHeuristic rounds the current LP solution up, which covers every
// period, then removes operators whose shift stays covered without them,
// those rounded up the most first. It fails only when seat caps are
// exceeded.
func (m *mip) roundingHeuristic() ([]int, float64, bool) {
	p := m.p
	x := make([]int, len(p.cols))
	cover := make([]int, p.periods)
	type slack struct {
		col  int
		frac float64
	}
	order := make([]slack, 0, len(x))
	for j := range x {
		v := m.lp.value(j)
		x[j] = int(math.Ceil(v - intTol))
		if x[j] <= 0 {
			x[j] = 0
			continue
		}
		for _, r := range p.cols[j] {
			cover[r] += x[j]
		}
		order = append(order, slack{j, float64(x[j]) - v})
	}
	slices.SortFunc(order, func(a, b slack) int {
		switch {
		case a.frac > b.frac:
			return -1
		case a.frac < b.frac:
			return 1
		}
		return int(p.cost[b.col] - p.cost[a.col])
	})
	for _, s := range order {
		pruneRedundant(p, x, cover, s.col)
	}
	for r, c := range cover {
		if float64(c) > p.rowHi[r] {
			return nil, 0, false
		}
	}
	return x, m.cost(x), true
}

// pruneRedundant removes operators from shift j while every period it
// covers stays at or above its requirement.
func pruneRedundant(p *program, x, cover []int, j int) {
	for x[j] > 0 {
		for _, r := range p.cols[j] {
			if cover[r]-1 < p.req[r] {
				return
			}
		}
		x[j]--
		for _, r := range p.cols[j] {
			cover[r]--
		}
	}
}

package shiftplan

import (
	"math"
)

// simplex is a bounded dual simplex method for covering programs
//
//	min c·x  subject to  rowLo <= A·x <= rowHi,  colLo <= x <= colHi,
//
// where every column of A is a 0/1 vector given by the rows it covers.
// Each row i gets a logical variable z_i = A_i·x with bounds
// [rowLo_i, rowHi_i], so the basis starts as the logicals. With c >= 0 that
// start is dual feasible, which is what the dual simplex needs, and bound
// changes made by branch and bound keep it dual feasible, so every node is
// re-solved from the previous basis (warm start).
//
// The basis inverse is kept explicitly (m × m, m = number of periods,
// a few hundred) and updated in O(m²) per pivot; the leaving row is chosen
// by exact dual steepest edge, whose weights are the squared row norms of
// that inverse, and the entering column by Harris' two-pass ratio test.
type simplex struct {
	m, n  int
	cols  [][]int32 // structural columns: rows with coefficient 1
	cost  []float64 // n+m; logicals cost 0
	lo    []float64 // n+m
	hi    []float64 // n+m
	x     []float64 // n+m
	d     []float64 // reduced costs, n+m
	upper []bool    // nonbasic at upper bound
	basis []int     // m
	pos   []int     // n+m: position in basis or -1
	binv  []float64 // m*m, row-major
	dse   []float64 // squared norms of binv rows

	alphaRow []float64 // n+m scratch
	alphaCol []float64 // m scratch

	sinceRefactor int
	iterations    int
}

const (
	primalTol      = 1e-7
	dualTol        = 1e-9
	pivotTol       = 1e-9
	refactorEvery  = 400
	recomputeEvery = 50
)

type lpStatus int

const (
	lpOptimal lpStatus = iota
	lpInfeasible
	lpIterationLimit
)

// newSimplex sets up the program with the slack basis. cost must be >= 0
// and every colHi finite.
func newSimplex(m int, cols [][]int32, cost, rowLo, rowHi, colLo, colHi []float64) *simplex {
	n := len(cols)
	s := &simplex{
		m: m, n: n, cols: cols,
		cost:     make([]float64, n+m),
		lo:       make([]float64, n+m),
		hi:       make([]float64, n+m),
		x:        make([]float64, n+m),
		d:        make([]float64, n+m),
		upper:    make([]bool, n+m),
		basis:    make([]int, m),
		pos:      make([]int, n+m),
		binv:     make([]float64, m*m),
		dse:      make([]float64, m),
		alphaRow: make([]float64, n+m),
		alphaCol: make([]float64, m),
	}
	copy(s.cost, cost)
	copy(s.lo, colLo)
	copy(s.hi, colHi)
	copy(s.lo[n:], rowLo)
	copy(s.hi[n:], rowHi)
	for j := range n {
		s.pos[j] = -1
	}
	for i := range m {
		s.basis[i] = n + i
		s.pos[n+i] = i
		s.binv[i*m+i] = -1 // the logical's column is -e_i
		s.dse[i] = 1
	}
	s.recomputeDuals()
	return s
}

// setBounds changes the bounds of structural column j.
func (s *simplex) setBounds(j int, lo, hi float64) {
	s.lo[j], s.hi[j] = lo, hi
}

// value returns x_j.
func (s *simplex) value(j int) float64 { return s.x[j] }

// objective returns c·x with the solver's (perturbed) costs.
func (s *simplex) objective() float64 {
	v := 0.0
	for j := range s.n {
		v += s.cost[j] * s.x[j]
	}
	return v
}

// solve runs the dual simplex from the current basis until the primal is
// feasible (optimal), the dual is unbounded (infeasible) or maxIter pivots.
func (s *simplex) solve(maxIter int) lpStatus {
	s.recomputeDuals()
	s.placeNonbasic()
	s.recomputePrimal()
	for it := 0; it < maxIter; it++ {
		if s.sinceRefactor >= refactorEvery {
			s.refactor()
		} else if s.sinceRefactor > 0 && s.sinceRefactor%recomputeEvery == 0 {
			s.recomputePrimal()
			s.recomputeDuals()
		}
		r := s.chooseLeaving()
		if r < 0 {
			return lpOptimal
		}
		switch s.pivot(r) {
		case pivotInfeasible:
			return lpInfeasible
		case pivotRetry:
			s.refactor()
		}
	}
	return lpIterationLimit
}

// placeNonbasic puts every nonbasic variable on the bound its reduced cost
// asks for, which keeps the basis dual feasible after bound changes.
func (s *simplex) placeNonbasic() {
	for j := range s.n + s.m {
		if s.pos[j] >= 0 {
			continue
		}
		finiteHi := !math.IsInf(s.hi[j], 1)
		switch {
		case s.lo[j] == s.hi[j]:
			s.upper[j] = false
		case s.d[j] < -dualTol && finiteHi:
			s.upper[j] = true
		case s.d[j] > dualTol || !finiteHi:
			s.upper[j] = false
		}
		if s.upper[j] {
			s.x[j] = s.hi[j]
		} else {
			s.x[j] = s.lo[j]
		}
	}
}

// recomputePrimal sets x_B = -B⁻¹·N·x_N.
func (s *simplex) recomputePrimal() {
	v := s.alphaCol
	clear(v)
	for j := range s.n {
		if s.pos[j] < 0 && s.x[j] != 0 {
			for _, r := range s.cols[j] {
				v[r] += s.x[j]
			}
		}
	}
	for i := range s.m {
		if j := s.n + i; s.pos[j] < 0 {
			v[i] -= s.x[j]
		}
	}
	m := s.m
	for i := range m {
		row := s.binv[i*m : (i+1)*m]
		sum := 0.0
		for k, vk := range v {
			if vk != 0 {
				sum += row[k] * vk
			}
		}
		s.x[s.basis[i]] = -sum
	}
}

// recomputeDuals sets d = c - Aᵀy with yᵀ = c_Bᵀ·B⁻¹.
func (s *simplex) recomputeDuals() {
	m := s.m
	y := make([]float64, m)
	for i := range m {
		c := s.cost[s.basis[i]]
		if c == 0 {
			continue
		}
		row := s.binv[i*m : (i+1)*m]
		for k := range y {
			y[k] += c * row[k]
		}
	}
	for j := range s.n {
		if s.pos[j] >= 0 {
			s.d[j] = 0
			continue
		}
		v := s.cost[j]
		for _, r := range s.cols[j] {
			v -= y[r]
		}
		s.d[j] = v
	}
	for i := range m {
		j := s.n + i
		if s.pos[j] >= 0 {
			s.d[j] = 0
		} else {
			s.d[j] = y[i]
		}
	}
}

// chooseLeaving returns the basis position with the largest primal
// infeasibility scaled by its steepest-edge weight, or -1 if none.
func (s *simplex) chooseLeaving() int {
	best, r := 0.0, -1
	for i, j := range s.basis {
		xj := s.x[j]
		var inf float64
		switch {
		case xj < s.lo[j]-primalTol:
			inf = s.lo[j] - xj
		case xj > s.hi[j]+primalTol:
			inf = xj - s.hi[j]
		default:
			continue
		}
		if score := inf * inf / s.dse[i]; score > best {
			best, r = score, i
		}
	}
	return r
}

type pivotResult int

const (
	pivotDone pivotResult = iota
	pivotInfeasible
	pivotRetry
)

// pivot performs one dual simplex iteration with leaving row r.
func (s *simplex) pivot(r int) pivotResult {
	m, n := s.m, s.n
	p := s.basis[r]
	leavingUp := s.x[p] > s.hi[p]
	rho := s.binv[r*m : (r+1)*m]

	// Pivot row α_r = ρ·A_N and the two-pass Harris ratio test.
	thetaMax := math.Inf(1)
	for j := range n + m {
		s.alphaRow[j] = 0
		if s.pos[j] >= 0 {
			continue
		}
		var a float64
		if j < n {
			for _, k := range s.cols[j] {
				a += rho[k]
			}
		} else {
			a = -rho[j-n]
		}
		// Fixed variables never enter, but their reduced costs are kept
		// current: a bound change may free them later.
		s.alphaRow[j] = a
		if s.lo[j] == s.hi[j] {
			continue
		}
		if dj, ok := s.candidate(j, a, leavingUp); ok {
			if t := (dj + dualTol) / math.Abs(a); t < thetaMax {
				thetaMax = t
			}
		}
	}
	if math.IsInf(thetaMax, 1) {
		return pivotInfeasible
	}
	q, bestA := -1, 0.0
	for j := range n + m {
		a := s.alphaRow[j]
		if a == 0 || s.lo[j] == s.hi[j] {
			continue
		}
		if dj, ok := s.candidate(j, a, leavingUp); ok && dj/math.Abs(a) <= thetaMax && math.Abs(a) > bestA {
			q, bestA = j, math.Abs(a)
		}
	}
	aq := s.alphaRow[q]

	// Entering column B⁻¹·a_q.
	col := s.alphaCol
	if q < n {
		for i := range m {
			row := s.binv[i*m : (i+1)*m]
			v := 0.0
			for _, k := range s.cols[q] {
				v += row[k]
			}
			col[i] = v
		}
	} else {
		k := q - n
		for i := range m {
			col[i] = -s.binv[i*m+k]
		}
	}
	if math.Abs(col[r]-aq) > 1e-7*(1+math.Abs(aq)) && s.sinceRefactor > 0 {
		return pivotRetry
	}

	// Dual update.
	t := s.d[q] / aq
	for j := range n + m {
		if a := s.alphaRow[j]; a != 0 {
			s.d[j] -= t * a
		}
	}
	s.d[q] = 0
	s.d[p] = -t

	// Primal update: x_p moves to the bound it violated.
	bound := s.lo[p]
	if leavingUp {
		bound = s.hi[p]
	}
	delta := (s.x[p] - bound) / col[r]
	for i := range m {
		if c := col[i]; c != 0 {
			s.x[s.basis[i]] -= delta * c
		}
	}
	s.x[q] += delta
	s.x[p] = bound
	s.upper[p] = leavingUp

	// Basis change and update of the explicit inverse.
	s.pos[p] = -1
	s.basis[r] = q
	s.pos[q] = r
	piv := col[r]
	rowR := s.binv[r*m : (r+1)*m]
	norm := 0.0
	for k := range rowR {
		rowR[k] /= piv
		norm += rowR[k] * rowR[k]
	}
	s.dse[r] = norm
	for i := range m {
		c := col[i]
		if i == r || c == 0 {
			continue
		}
		row := s.binv[i*m : (i+1)*m]
		nrm := 0.0
		for k, v := range rowR {
			if v != 0 {
				row[k] -= c * v
			}
			nrm += row[k] * row[k]
		}
		s.dse[i] = nrm
	}
	s.sinceRefactor++
	s.iterations++
	return pivotDone
}

// candidate reports whether nonbasic j with pivot-row entry a may enter
// when the leaving variable moves up (leavingUp false) or down, and the
// magnitude of its reduced cost.
func (s *simplex) candidate(j int, a float64, leavingUp bool) (float64, bool) {
	if math.Abs(a) < pivotTol {
		return 0, false
	}
	// Leaving to its upper bound needs x_p to fall: an entering variable at
	// its lower bound rises, so α must be positive; at its upper bound it
	// falls, so α must be negative. Mirror image when leaving to lower.
	up := s.upper[j]
	ok := (leavingUp && ((!up && a > 0) || (up && a < 0))) ||
		(!leavingUp && ((!up && a < 0) || (up && a > 0)))
	if !ok {
		return 0, false
	}
	dj := s.d[j]
	if up {
		dj = -dj
	}
	return math.Max(dj, 0), true
}

// refactor rebuilds B⁻¹ from the basis columns by Gauss–Jordan elimination
// with partial pivoting, then recomputes primal values, duals and weights.
func (s *simplex) refactor() {
	m, n := s.m, s.n
	b := make([]float64, m*m)
	for i, j := range s.basis {
		if j < n {
			for _, r := range s.cols[j] {
				b[int(r)*m+i] = 1
			}
		} else {
			b[(j-n)*m+i] = -1
		}
	}
	inv := s.binv
	clear(inv)
	for i := range m {
		inv[i*m+i] = 1
	}
	for c := range m {
		p, best := -1, 0.0
		for r := c; r < m; r++ {
			if v := math.Abs(b[r*m+c]); v > best {
				p, best = r, v
			}
		}
		if p < 0 {
			// Singular basis: cannot happen for bases reached by pivots
			// on nonzero elements; keep the old inverse rather than panic.
			return
		}
		if p != c {
			swapRows(b, m, p, c)
			swapRows(inv, m, p, c)
		}
		pv := b[c*m+c]
		for k := range m {
			b[c*m+k] /= pv
			inv[c*m+k] /= pv
		}
		for r := range m {
			f := b[r*m+c]
			if r == c || f == 0 {
				continue
			}
			for k := range m {
				b[r*m+k] -= f * b[c*m+k]
				inv[r*m+k] -= f * inv[c*m+k]
			}
		}
	}
	for i := range m {
		row := inv[i*m : (i+1)*m]
		nrm := 0.0
		for _, v := range row {
			nrm += v * v
		}
		s.dse[i] = nrm
	}
	s.sinceRefactor = 0
	s.recomputePrimal()
	s.recomputeDuals()
}

func swapRows(a []float64, m, i, j int) {
	ri, rj := a[i*m:(i+1)*m], a[j*m:(j+1)*m]
	for k := range ri {
		ri[k], rj[k] = rj[k], ri[k]
	}
}

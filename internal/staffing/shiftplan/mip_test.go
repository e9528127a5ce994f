package shiftplan

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestLPOptimalityCertificate re-derives the duals of the final basis from
// a fresh factorization and checks the optimality conditions of the
// bounded LP: primal feasibility, and reduced costs >= 0 at lower bounds,
// <= 0 at upper bounds, 0 for basic variables.
func TestLPOptimalityCertificate(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 40 {
		d := randomWeek(rng, []int{30, 60}[i%2], 1+rng.IntN(7), 1+rng.IntN(30))
		o := Options{Lengths: []time.Duration{4 * time.Hour, 8 * time.Hour, 12 * time.Hour}}
		if i%3 == 0 {
			o.Seats = 45
		}
		p, err := buildProgram(flatten(d), d.PeriodsPerDay(), time.Duration(d.PeriodMinutes)*time.Minute, o)
		if err != nil {
			t.Fatal(err)
		}
		m := newMIP(p)
		if _, err := m.solveRoot(); err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		checkCertificate(t, m.lp)
	}
}

func flatten(d Demand) []int {
	var out []int
	for _, row := range d.Days {
		out = append(out, row...)
	}
	return out
}

func checkCertificate(tb testing.TB, s *simplex) {
	tb.Helper()
	x := append([]float64(nil), s.x...)
	s.refactor()
	for j := range s.n + s.m {
		if math.Abs(s.x[j]-x[j]) > 1e-6 {
			tb.Fatalf("x[%d] drifted: %v updated, %v refactored", j, x[j], s.x[j])
		}
	}
	act := make([]float64, s.m)
	for j := range s.n {
		for _, r := range s.cols[j] {
			act[r] += s.x[j]
		}
	}
	for i := range s.m {
		if math.Abs(act[i]-s.x[s.n+i]) > 1e-6 {
			tb.Fatalf("row %d: A·x = %v but logical = %v", i, act[i], s.x[s.n+i])
		}
	}
	for j := range s.n + s.m {
		if s.x[j] < s.lo[j]-1e-6 || s.x[j] > s.hi[j]+1e-6 {
			tb.Fatalf("x[%d] = %v outside [%v, %v]", j, s.x[j], s.lo[j], s.hi[j])
		}
		d := s.d[j]
		switch {
		case s.pos[j] >= 0:
			if math.Abs(d) > 1e-7 {
				tb.Fatalf("basic %d has reduced cost %v", j, d)
			}
		case s.lo[j] == s.hi[j]:
		case s.x[j] <= s.lo[j]+1e-9 && d < -1e-7:
			tb.Fatalf("%d at lower bound with reduced cost %v", j, d)
		case s.x[j] >= s.hi[j]-1e-9 && d > 1e-7:
			tb.Fatalf("%d at upper bound with reduced cost %v", j, d)
		}
	}
}

// TestBranchAndBoundMatchesEnumeration compares the planner with complete
// enumeration on small single-day programs, wrapping, with and without
// seat caps.
func TestBranchAndBoundMatchesEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 60 {
		row := make([]int, 24)
		for h := range row {
			row[h] = rng.IntN(4)
		}
		d := Demand{PeriodMinutes: 60, Days: [][]int{row}}
		o := Options{
			Lengths: []time.Duration{6 * time.Hour, 9 * time.Hour},
			Starts:  []time.Duration{0, 6 * time.Hour, 11 * time.Hour, 16 * time.Hour},
		}
		if i%2 == 1 {
			o.Seats = 4
			o.MaxPerShift = 2
		}
		p, err := buildProgram(row, 24, time.Hour, o)
		if err != nil {
			t.Fatal(err)
		}
		want, feasible := enumerate(p)
		plan, err := Solve(d, o)
		if !feasible {
			if err == nil {
				t.Fatalf("instance %d: enumeration finds no plan, Solve found %v hours", i, plan.OperatorHours)
			}
			continue
		}
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		if plan.OperatorHours != want || !plan.Optimal {
			t.Fatalf("instance %d: %v hours (optimal %v), enumeration %v", i, plan.OperatorHours, plan.Optimal, want)
		}
		assertCovers(t, d, plan)
	}
}

// enumerate returns the cheapest plan cost (hours, 60-minute periods) by
// trying every x with 0 <= x_j <= colHi_j.
func enumerate(p *program) (float64, bool) {
	x := make([]int, len(p.cols))
	best := math.Inf(1)
	var rec func(j int)
	rec = func(j int) {
		if j == len(x) {
			cover := make([]int, p.periods)
			cost := 0.0
			for c, v := range x {
				cost += float64(v) * p.cost[c]
				for _, r := range p.cols[c] {
					cover[r] += v
				}
			}
			for r, c := range cover {
				if c < p.req[r] || float64(c) > p.rowHi[r] {
					return
				}
			}
			best = math.Min(best, cost)
			return
		}
		for v := 0; v <= int(p.colHi[j]); v++ {
			x[j] = v
			rec(j + 1)
		}
		x[j] = 0
	}
	rec(0)
	return best, !math.IsInf(best, 1)
}

// TestIntervalInstancesAreTight: without wrap-around, breaks or caps every
// column is a run of consecutive periods, the constraint matrix is an
// interval matrix and the LP optimum is integral, so the plan must equal
// its lower bound exactly.
func TestIntervalInstancesAreTight(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for i := range 30 {
		d := randomWeek(rng, []int{30, 60}[i%2], 1+rng.IntN(7), 1+rng.IntN(40))
		o := Options{Lengths: []time.Duration{4 * time.Hour, 6 * time.Hour, 8 * time.Hour, 12 * time.Hour}, NoWrap: true}
		if i%3 == 0 {
			o.Starts = []time.Duration{0, 4 * time.Hour, 7 * time.Hour, 9 * time.Hour, 12 * time.Hour, 14 * time.Hour, 16 * time.Hour, 20 * time.Hour}
		}
		plan, err := Solve(d, o)
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		assertCovers(t, d, plan)
		if plan.OperatorHours != plan.LowerBound || !plan.Optimal || plan.Nodes != 1 {
			t.Fatalf("instance %d: %v hours, bound %v, %d nodes; want equal at the root", i, plan.OperatorHours, plan.LowerBound, plan.Nodes)
		}
	}
}

// TestPlanNeverBelowBound covers wrap-around, caps and breaks together.
func TestPlanNeverBelowBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	for i := range 24 {
		d := randomWeek(rng, 30, 1+rng.IntN(7), 1+rng.IntN(25))
		o := Options{Lengths: []time.Duration{8 * time.Hour, 12 * time.Hour}, TimeLimit: 2 * time.Second}
		switch i % 4 {
		case 1:
			o.MaxStarts = 2 + rng.IntN(4) // two 12-hour starts 12 h apart always cover
		case 2:
			o.MaxPerShift = 3
		case 3:
			o.Breaks = []BreakRule{{MinShift: 6 * time.Hour, Length: 30 * time.Minute, Earliest: 2 * time.Hour, Latest: 6 * time.Hour}}
		}
		plan, err := Solve(d, o)
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		assertCovers(t, d, plan)
		if o.MaxStarts > 0 && len(plan.Starts) > o.MaxStarts {
			t.Fatalf("instance %d: %d start times, cap %d", i, len(plan.Starts), o.MaxStarts)
		}
		if o.MaxPerShift > 0 {
			for _, s := range plan.Shifts {
				if s.Count > o.MaxPerShift {
					t.Fatalf("instance %d: %d on one shift, cap %d", i, s.Count, o.MaxPerShift)
				}
			}
		}
		if plan.Gap < 0 || plan.Gap >= 1 {
			t.Fatalf("instance %d: gap %v", i, plan.Gap)
		}
	}
}

func TestInfeasible(t *testing.T) {
	day := make([]int, 24)
	for h := range day {
		day[h] = 2
	}
	d := Demand{PeriodMinutes: 60, Days: [][]int{day}}
	for name, o := range map[string]Options{
		"one start cannot cover 24 h": {Lengths: []time.Duration{8 * time.Hour, 12 * time.Hour}, MaxStarts: 1},
		"seats below the requirement": {Lengths: []time.Duration{8 * time.Hour}, Seats: 1},
		"patterns leave a gap":        {Patterns: []Pattern{{Name: "Day", Start: 8 * time.Hour, Length: 12 * time.Hour}}},
		"one per shift is too few":    {Lengths: []time.Duration{8 * time.Hour}, Starts: []time.Duration{0, 8 * time.Hour, 16 * time.Hour}, MaxPerShift: 1},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Solve(d, o); !errors.Is(err, ErrInfeasible) {
				t.Fatalf("err = %v, want ErrInfeasible", err)
			}
		})
	}
	if _, err := Solve(d, Options{Lengths: []time.Duration{8 * time.Hour}, Starts: []time.Duration{0, 8 * time.Hour, 16 * time.Hour}, MaxPerShift: 1}); !errors.Is(err, ErrInfeasible) {
		t.Fatalf("err = %v, want ErrInfeasible", err)
	}
}

// TestLPWarmStartAfterBoundChanges closes and reopens columns at random,
// as branch and bound and the start-time cap do, and checks the optimality
// certificate after every warm-started solve, and that the value matches
// a cold solve of the same bounds.
func TestLPWarmStartAfterBoundChanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	d := randomWeek(rng, 60, 7, 9)
	p, err := buildProgram(flatten(d), 24, time.Hour, Options{Lengths: []time.Duration{8 * time.Hour, 12 * time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	warm := newMIP(p)
	if _, err := warm.solveRoot(); err != nil {
		t.Fatal(err)
	}
	for step := range 60 {
		for range 1 + rng.IntN(6) {
			j := rng.IntN(len(p.cols))
			switch rng.IntN(3) {
			case 0:
				warm.hi[j] = 0
			case 1:
				warm.hi[j] = p.colHi[j]
			default:
				warm.hi[j] = math.Max(0, math.Floor(p.colHi[j]/2))
			}
		}
		wv, werr := warm.solveRoot()
		cold := newMIP(p)
		copy(cold.hi, warm.hi)
		cv, cerr := cold.solveRoot()
		if (werr == nil) != (cerr == nil) {
			t.Fatalf("step %d: warm err %v, cold err %v", step, werr, cerr)
		}
		if werr != nil {
			continue
		}
		if math.Abs(wv-cv) > 1e-6*math.Max(1, cv) {
			t.Fatalf("step %d: warm value %v, cold value %v", step, wv, cv)
		}
		checkCertificate(t, warm.lp)
	}
}

// TestBranchingAloneFindsOptimum turns the rounding heuristic off, so that
// plans come only from integral LP leaves, and compares branch and bound
// with enumeration; it also checks that branching did happen.
func TestBranchingAloneFindsOptimum(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 17))
	branched := 0
	for i := range 400 {
		row := make([]int, 24)
		for h := range row {
			row[h] = rng.IntN(3)
		}
		// Eight random arcs of the wrapping day: overlapping arcs of mixed
		// lengths make odd cycles, whose LP optimum is fractional.
		var o Options
		for k := range 8 {
			o.Patterns = append(o.Patterns, Pattern{
				Name:   fmt.Sprint(k),
				Start:  time.Duration(rng.IntN(24)) * time.Hour,
				Length: time.Duration(5+rng.IntN(12)) * time.Hour,
			})
		}
		if i%2 == 1 {
			o.Seats = 4
		}
		p, err := buildProgram(row, 24, time.Hour, o)
		if err != nil {
			continue // some hour no arc covers
		}
		want, feasible := enumerate(p)
		m := newMIP(p)
		m.noRounding = true
		root, err := m.solveRoot()
		if !feasible {
			if err == nil {
				t.Fatalf("instance %d: LP feasible but no integer plan exists", i)
			}
			continue
		}
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		if root > want+1e-6 {
			t.Fatalf("instance %d: LP bound %v above the optimum %v", i, root, want)
		}
		res := m.branchAndBound(root, limits{deadline: time.Now().Add(time.Minute), now: time.Now, nodes: 1_000_000})
		if res.cost != want || !res.optimal || res.bound != want {
			t.Fatalf("instance %d: cost %v bound %v optimal %v, enumeration %v", i, res.cost, res.bound, res.optimal, want)
		}
		if res.nodes > 1 {
			branched++
			// Stopped after one node, with the heuristic on: a plan and a
			// bound that brackets the optimum.
			m := newMIP(p)
			root, _ := m.solveRoot()
			cut := m.branchAndBound(root, limits{deadline: time.Now().Add(time.Minute), now: time.Now, nodes: 1})
			if cut.x == nil || cut.bound > want || cut.cost < want || cut.bound > cut.cost {
				t.Fatalf("instance %d stopped early: cost %v bound %v, optimum %v", i, cut.cost, cut.bound, want)
			}
		}
	}
	if branched < 5 {
		t.Fatalf("only %d instances branched: the test no longer exercises branching", branched)
	}
	t.Logf("%d instances needed branching", branched)
}

package shiftplan

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Plan is a set of shifts covering a demand.
type Plan struct {
	PeriodMinutes int
	Days          int
	// Shifts are sorted by day, start and length.
	Shifts []Shift
	// OperatorHours is the paid operator-hours of the plan.
	OperatorHours float64
	// LowerBound is a proven lower bound on the operator-hours of any plan
	// meeting the demand with the allowed shifts and caps: the LP
	// relaxation rounded up to an achievable total, raised by branch and
	// bound. With MaxStarts it ignores the start-time cap; with breaks it
	// ignores the breaks (both only remove coverage, so it stays valid).
	LowerBound float64
	// Gap is (OperatorHours - LowerBound) / OperatorHours, 0 for a plan
	// proven optimal.
	Gap float64
	// Optimal reports OperatorHours == LowerBound.
	Optimal bool
	// Coverage is the number of operators on duty (not on break) per day
	// and period.
	Coverage [][]int
	// Deficit is the shortfall per day and period after breaks, nil when
	// every period is covered.
	Deficit [][]int
	// UnplacedBreaks counts breaks that could not be placed at all.
	UnplacedBreaks int
	// Starts are the distinct start times of day used.
	Starts []time.Duration
	// Nodes counts branch-and-bound nodes over all solves.
	Nodes int
	// Elapsed is the wall time spent.
	Elapsed time.Duration
}

// Shift is Count operators starting on Day at Start (offset from that
// day's midnight) and working Length, possibly past midnight.
type Shift struct {
	Day     int
	Start   time.Duration
	Length  time.Duration
	Count   int
	Pattern string
	// Breaks are grouped by start: Count of the shift's operators break at
	// Start (offset from the shift start) for Length.
	Breaks []Break
}

// Hours returns the paid hours of one operator on s.
func (s Shift) Hours() float64 { return s.Length.Hours() }

// Break is a break taken by Count operators of one shift.
type Break struct {
	Start  time.Duration // after the shift start
	Length time.Duration
	Count  int
}

// Solve chooses shifts covering d with the fewest paid operator-hours and
// places the breaks of o.Breaks. It returns the best plan found within the
// limits of o together with its lower bound; when breaks cannot be placed
// without dropping below the demand the requirement is raised where they
// fall short and the shifts are chosen again (a few rounds), and any
// remaining shortfall is reported in Plan.Deficit.
func Solve(d Demand, o Options) (plan Plan, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("shiftplan.Solve: %w", err)
		}
	}()
	if err := d.Validate(); err != nil {
		return Plan{}, err
	}
	period := time.Duration(d.PeriodMinutes) * time.Minute
	if err := o.validate(period, len(d.Days)); err != nil {
		return Plan{}, err
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	if o.TimeLimit == 0 {
		o.TimeLimit = defaultTimeLimit
	}
	if o.NodeLimit == 0 {
		o.NodeLimit = defaultNodeLimit
	}
	started := now()
	lim := limits{deadline: started.Add(o.TimeLimit), now: now, nodes: o.NodeLimit}
	ppd := d.PeriodsPerDay()
	req := make([]int, 0, len(d.Days)*ppd)
	for _, row := range d.Days {
		req = append(req, row...)
	}
	rules := breakRules(o.Breaks, period)

	var (
		best      *attempt
		bound     float64
		nodes     int
		augmented = slices.Clone(req)
	)
	for round := 0; round <= breakRepairRounds; round++ {
		a, err := solveOnce(augmented, req, ppd, period, o, rules, lim)
		if err != nil {
			if best != nil && round > 0 {
				break // keep the plan of the previous round
			}
			return Plan{}, err
		}
		nodes += a.res.nodes
		if round == 0 {
			bound = a.bound
		}
		if best == nil || a.breaks.short < best.breaks.short ||
			(a.breaks.short == best.breaks.short && a.res.cost < best.res.cost) {
			best = a
		}
		if a.breaks.short == 0 || lim.expired() {
			break
		}
		for r, v := range a.breaks.deficit {
			augmented[r] += v
		}
	}
	plan = best.plan(d.PeriodMinutes, len(d.Days), period, rules)
	hours := float64(d.PeriodMinutes) / 60
	plan.OperatorHours = best.res.cost * hours
	plan.LowerBound = math.Min(bound, best.res.cost) * hours
	if plan.OperatorHours > 0 {
		plan.Gap = (plan.OperatorHours - plan.LowerBound) / plan.OperatorHours
	}
	plan.Optimal = plan.LowerBound >= plan.OperatorHours
	plan.Nodes = nodes
	plan.Elapsed = now().Sub(started)
	return plan, nil
}

// attempt is one choice of shifts with its breaks.
type attempt struct {
	prog   *program
	res    mipResult
	bound  float64 // lower bound in periods for the requirement solved
	breaks breakPlacement
}

// solveOnce covers solveReq (the demand, possibly raised for breaks) and
// places breaks against the true demand req.
func solveOnce(solveReq, req []int, ppd int, period time.Duration, o Options, rules []breakRule, lim limits) (*attempt, error) {
	prog, err := buildProgram(solveReq, ppd, period, o)
	if err != nil {
		return nil, err
	}
	if len(prog.cols) == 0 {
		// Nothing to cover.
		return &attempt{prog: prog, res: mipResult{optimal: true}, breaks: placeBreaks(prog, nil, req, rules)}, nil
	}
	m := newMIP(prog)
	root, err := m.solveRoot()
	if err != nil {
		return nil, err
	}
	bound := m.roundUp(root)
	restricted := false
	if o.MaxStarts > 0 {
		if err := m.restrictStarts(o.MaxStarts, lim); err != nil {
			return nil, err
		}
		root = m.lp.objective()
		restricted = true
	}
	res := m.branchAndBound(root, lim)
	if res.x == nil {
		return nil, errors.New("no plan found within the time and node limits")
	}
	if !restricted {
		bound = math.Max(bound, res.bound)
	}
	return &attempt{prog: prog, res: res, bound: bound, breaks: placeBreaks(prog, res.x, req, rules)}, nil
}

// plan renders the attempt as shifts, breaks and coverage by day.
func (a *attempt) plan(periodMinutes, days int, period time.Duration, rules []breakRule) Plan {
	p := a.prog
	pl := Plan{PeriodMinutes: periodMinutes, Days: days, UnplacedBreaks: a.breaks.unplaced}
	type brk struct{ offset, length int }
	breaks := map[int]map[brk]int{}
	for _, t := range a.breaks.items {
		if t.offset < 0 {
			continue
		}
		if breaks[t.col] == nil {
			breaks[t.col] = map[brk]int{}
		}
		breaks[t.col][brk{t.offset, rules[t.rule].length}]++
	}
	for j, v := range a.res.x {
		if v == 0 {
			continue
		}
		c := p.cands[j]
		s := Shift{
			Day:     c.start / p.ppd,
			Start:   time.Duration(c.start%p.ppd) * period,
			Length:  time.Duration(c.length) * period,
			Count:   v,
			Pattern: c.pattern,
		}
		for b, n := range breaks[j] {
			s.Breaks = append(s.Breaks, Break{
				Start:  time.Duration(b.offset) * period,
				Length: time.Duration(b.length) * period,
				Count:  n,
			})
		}
		slices.SortFunc(s.Breaks, func(x, y Break) int {
			return cmp.Or(cmp.Compare(x.Start, y.Start), cmp.Compare(x.Length, y.Length))
		})
		pl.Shifts = append(pl.Shifts, s)
	}
	slices.SortFunc(pl.Shifts, func(x, y Shift) int {
		return cmp.Or(cmp.Compare(x.Day, y.Day), cmp.Compare(x.Start, y.Start), cmp.Compare(x.Length, y.Length))
	})
	pl.Coverage = byDay(a.breaks.onDuty, p.ppd)
	if a.breaks.short > 0 {
		pl.Deficit = byDay(a.breaks.deficit, p.ppd)
	}
	pl.Starts = usedStarts(p, a.res.x, period)
	return pl
}

func byDay(v []int, ppd int) [][]int {
	out := make([][]int, 0, len(v)/ppd)
	for d := 0; d < len(v); d += ppd {
		out = append(out, slices.Clone(v[d:d+ppd]))
	}
	return out
}

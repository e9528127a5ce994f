package shiftplan

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkWeekAnyStart plans a week of 30-minute periods with a start at
// any half hour of any day (336 starts × lengths), the case the planner
// must solve within seconds on two cores. It reports the plan time, the
// gap to the lower bound and the branch-and-bound nodes.
func BenchmarkWeekAnyStart(b *testing.B) {
	break30 := []BreakRule{{MinShift: 6 * time.Hour, Length: 30 * time.Minute, Earliest: 2 * time.Hour, Latest: 6 * time.Hour}}
	for _, c := range []struct {
		name string
		o    Options
	}{
		{"8h+12h", Options{Lengths: []time.Duration{8 * time.Hour, 12 * time.Hour}}},
		{"6h+8h+10h+12h", Options{Lengths: []time.Duration{6 * time.Hour, 8 * time.Hour, 10 * time.Hour, 12 * time.Hour}}},
		{"7h+9.5h", Options{Lengths: []time.Duration{7 * time.Hour, 9*time.Hour + 30*time.Minute}}},
		{"8h+12h/breaks", Options{Lengths: []time.Duration{8 * time.Hour, 12 * time.Hour}, Breaks: break30}},
		{"8h+12h/max5starts", Options{Lengths: []time.Duration{8 * time.Hour, 12 * time.Hour}, MaxStarts: 5}},
		{"8h+12h/seats", Options{Lengths: []time.Duration{8 * time.Hour, 12 * time.Hour}, Seats: 40}},
	} {
		b.Run(c.name, func(b *testing.B) {
			d := randomWeek(rand.New(rand.NewPCG(2025, 109)), 30, 7, 25)
			c.o.TimeLimit = 20 * time.Second
			var plan Plan
			for b.Loop() {
				var err error
				if plan, err = Solve(d, c.o); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(plan.Elapsed.Microseconds())/1000, "ms/plan")
			b.ReportMetric(100*plan.Gap, "gap%")
			b.ReportMetric(plan.OperatorHours, "op-hours")
			b.ReportMetric(plan.LowerBound, "bound-hours")
			b.ReportMetric(float64(plan.Nodes), "nodes")
		})
	}
}

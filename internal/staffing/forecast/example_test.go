package forecast_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/ikomek/ikomek/internal/staffing"
	"github.com/ikomek/ikomek/internal/staffing/forecast"
	"github.com/ikomek/ikomek/internal/staffing/shiftplan"
)

// Example_scale109 is the worked example of internal/staffing/README.md:
// a synthetic year at the 109 line's scale (about 400,000 calls, winter
// peak 06-08, summer peaks 10-12, 16-19 and 21-22), a January and a July
// Monday forecast at 30-minute intervals, the operators they need
// (80 % within 20 s, occupancy <= 85 %, shrinkage 30 %), and the paid
// operator-hours of today's fixed 08-20 / 20-08 shifts against shifts of
// 8 or 12 hours starting at any half hour.
func Example_scale109() {
	history := history109()
	target := forecast.RequirementOptions{
		Target:       staffing.Target{ServiceLevel: 0.8, AnswerWithin: 20 * time.Second, MaxOccupancy: 0.85},
		Shrinkage:    0.3,
		MinScheduled: 2,
	}
	fixed := shiftplan.Options{Patterns: []shiftplan.Pattern{
		{Name: "day", Start: 8 * time.Hour, Length: 12 * time.Hour},
		{Name: "night", Start: 20 * time.Hour, Length: 12 * time.Hour},
	}}
	flexible := shiftplan.Options{Lengths: []time.Duration{8 * time.Hour, 12 * time.Hour}, TimeLimit: time.Minute}
	fourStarts := flexible
	fourStarts.MaxStarts = 4

	for _, season := range []struct {
		name  string
		month time.Month
	}{{"winter", time.January}, {"summer", time.July}} {
		f, err := forecast.Build(history, forecast.Options{Interval: 30 * time.Minute, Location: astana, Month: season.month})
		if err != nil {
			panic(err)
		}
		req, err := f.Requirements(target)
		if err != nil {
			panic(err)
		}
		monday := req[0]
		calls := 0.0
		for _, c := range f.Calls[0] {
			calls += c
		}
		fmt.Printf("%s (%s, Monday): %.0f calls, measured handle time %v\n", season.name, season.month, calls, f.MeanHandle.Round(time.Second))
		fmt.Printf("  operators needed by hour: %s\n", hourly(monday))
		demand := shiftplan.Demand{PeriodMinutes: 30, Days: [][]int{monday}}
		base := mustPlan(demand, fixed)
		fmt.Printf("  fixed 08-20 / 20-08:      %s\n", summary(base))
		for _, v := range []struct {
			name string
			o    shiftplan.Options
		}{{"any start, 8 h or 12 h:  ", flexible}, {"at most 4 start times:   ", fourStarts}} {
			p := mustPlan(demand, v.o)
			saved := base.OperatorHours - p.OperatorHours
			fmt.Printf("  %s%s, saves %.1f h (%.0f %%)\n", v.name, summary(p), saved, 100*saved/base.OperatorHours)
			fmt.Printf("    shifts: %s\n", shiftList(p))
		}
	}
	// Output:
	// winter (January, Monday): 1494 calls, measured handle time 4m30s
	//   operators needed by hour: 5 5 5 5 5 12 25 26 18 13 13 13 12 13 12 13 13 13 9 10 10 9 6 6
	//   fixed 08-20 / 20-08:      44 operators, 528.0 operator-hours (bound 528.0, gap 0.0 %)
	//   any start, 8 h or 12 h:  36 operators, 320.0 operator-hours (bound 320.0, gap 0.0 %), saves 208.0 h (39 %)
	//     shifts: 01:30 8h x4, 02:00 8h x8, 06:00 8h x10, 06:00 12h x2, 07:00 12h x1, 13:30 12h x5, 14:00 8h x4, 15:30 8h x1, 23:30 8h x1
	//   at most 4 start times:   36 operators, 324.0 operator-hours (bound 320.0, gap 1.2 %), saves 204.0 h (39 %)
	//     shifts: 02:00 8h x13, 06:00 8h x10, 06:00 12h x3, 13:30 12h x1, 14:00 8h x4, 14:00 12h x5
	// summer (July, Monday): 1029 calls, measured handle time 4m30s
	//   operators needed by hour: 3 3 3 3 3 3 8 8 8 8 15 15 10 10 10 10 15 13 13 10 9 13 6 6
	//   fixed 08-20 / 20-08:      28 operators, 336.0 operator-hours (bound 336.0, gap 0.0 %)
	//   any start, 8 h or 12 h:  24 operators, 220.0 operator-hours (bound 220.0, gap 0.0 %), saves 116.0 h (35 %)
	//     shifts: 00:00 12h x2, 04:00 8h x3, 06:00 8h x3, 07:00 12h x1, 10:00 8h x2, 10:00 12h x4, 14:00 8h x3, 16:00 8h x5, 21:00 8h x1
	//   at most 4 start times:   21 operators, 220.0 operator-hours (bound 220.0, gap 0.0 %), saves 116.0 h (35 %)
	//     shifts: 00:00 12h x3, 06:00 8h x2, 06:00 12h x3, 10:00 12h x7, 16:00 8h x6
}

func mustPlan(d shiftplan.Demand, o shiftplan.Options) shiftplan.Plan {
	p, err := shiftplan.Solve(d, o)
	if err != nil {
		panic(err)
	}
	return p
}

func hourly(row []int) string {
	var b strings.Builder
	for h := 0; h < 24; h++ {
		if h > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d", max(row[2*h], row[2*h+1]))
	}
	return b.String()
}

func summary(p shiftplan.Plan) string {
	ops := 0
	for _, s := range p.Shifts {
		ops += s.Count
	}
	return fmt.Sprintf("%d operators, %.1f operator-hours (bound %.1f, gap %.1f %%)", ops, p.OperatorHours, p.LowerBound, 100*p.Gap)
}

func shiftList(p shiftplan.Plan) string {
	var parts []string
	for _, s := range p.Shifts {
		start := time.Time{}.Add(s.Start).Format("15:04")
		parts = append(parts, fmt.Sprintf("%s %gh x%d", start, s.Hours(), s.Count))
	}
	return strings.Join(parts, ", ")
}

package shiftplan

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// check3Demand is the scheduled positions of published check 3 in
// docs/staffing.md (one day, hourly).
var check3Demand = Demand{PeriodMinutes: 60, Days: [][]int{{5, 3, 3, 3, 3, 3, 5, 8, 12, 13, 13, 13, 12, 12, 12, 12, 12, 10, 9, 8, 6, 6, 5, 5}}}

var check3Patterns = []Pattern{
	{Name: "Early", Start: 6 * time.Hour, Length: 8 * time.Hour},
	{Name: "Day", Start: 9 * time.Hour, Length: 8 * time.Hour},
	{Name: "Late", Start: 13 * time.Hour, Length: 8 * time.Hour},
	{Name: "Night", Start: 21 * time.Hour, Length: 9 * time.Hour},
}

// TestPublishedCheck3Shifts: the fixed shifts Early 06-14, Day 09-17, Late
// 13-21 and Night 21-06 (wrapping into the same day's morning) need 30
// operators at the optimum; 12/1/11/6 is such an optimum.
func TestPublishedCheck3Shifts(t *testing.T) {
	total := 0
	for _, v := range check3Demand.Days[0] {
		total += v
	}
	if total != 193 {
		t.Fatalf("check 3 positions total %d, want 193", total)
	}
	plan, err := Solve(check3Demand, Options{Patterns: check3Patterns})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	operators := 0
	for _, s := range plan.Shifts {
		count[s.Pattern] += s.Count
		operators += s.Count
	}
	if operators != 30 {
		t.Fatalf("operators = %d (%v), want 30", operators, count)
	}
	if !plan.Optimal || plan.OperatorHours != 246 || plan.LowerBound != 246 {
		t.Fatalf("hours %v bound %v optimal %v, want 246 proven", plan.OperatorHours, plan.LowerBound, plan.Optimal)
	}
	// Early and Night are forced (08:00 needs 12 with only Early on duty,
	// 21:00 needs 6 with only Night); Day+Late = 12 splits 1/11 or 2/10.
	if count["Early"] != 12 || count["Night"] != 6 || count["Day"]+count["Late"] != 12 {
		t.Fatalf("split %v, want Early 12, Night 6, Day+Late 12", count)
	}
	assertCovers(t, check3Demand, plan)
	// The published split is feasible at the same cost.
	published := map[string]int{"Early": 12, "Day": 1, "Late": 11, "Night": 6}
	cover := make([]int, 24)
	hours := 0.0
	for _, p := range check3Patterns {
		for k := 0; k < int(p.Length/time.Hour); k++ {
			cover[(int(p.Start/time.Hour)+k)%24] += published[p.Name]
		}
		hours += float64(published[p.Name]) * p.Length.Hours()
	}
	for h, need := range check3Demand.Days[0] {
		if cover[h] < need {
			t.Fatalf("published split leaves hour %d short", h)
		}
	}
	if hours != plan.OperatorHours {
		t.Fatalf("published split costs %v hours, plan %v", hours, plan.OperatorHours)
	}
}

// assertCovers recomputes the coverage of plan from its shifts and breaks
// and checks it against the demand and the plan's own report.
func assertCovers(tb testing.TB, d Demand, plan Plan) {
	tb.Helper()
	ppd := d.PeriodsPerDay()
	n := len(d.Days) * ppd
	period := time.Duration(d.PeriodMinutes) * time.Minute
	cover := make([]int, n)
	hours := 0.0
	for _, s := range plan.Shifts {
		start := s.Day*ppd + int(s.Start/period)
		for k := 0; k < int(s.Length/period); k++ {
			cover[(start+k)%n] += s.Count
		}
		breaks := 0
		for _, b := range s.Breaks {
			breaks += b.Count
			for k := 0; k < int(b.Length/period); k++ {
				cover[(start+int(b.Start/period)+k)%n] -= b.Count
			}
		}
		if breaks > s.Count*max(1, len(s.Breaks)) {
			tb.Fatalf("shift %+v has more breaks than operators", s)
		}
		hours += float64(s.Count) * s.Hours()
	}
	if math.Abs(hours-plan.OperatorHours) > 1e-9 {
		tb.Fatalf("shifts add up to %v hours, plan says %v", hours, plan.OperatorHours)
	}
	for r, c := range cover {
		day, p := r/ppd, r%ppd
		if plan.Coverage[day][p] != c {
			tb.Fatalf("day %d period %d: coverage %d reported, %d recomputed", day, p, plan.Coverage[day][p], c)
		}
		short := max(0, d.Days[day][p]-c)
		got := 0
		if plan.Deficit != nil {
			got = plan.Deficit[day][p]
		}
		if got != short {
			tb.Fatalf("day %d period %d: deficit %d reported, %d recomputed", day, p, got, short)
		}
	}
	if plan.OperatorHours < plan.LowerBound-1e-9 {
		tb.Fatalf("plan %v hours below its lower bound %v", plan.OperatorHours, plan.LowerBound)
	}
}

// randomWeek draws a weekly demand with a day profile and noise.
func randomWeek(rng *rand.Rand, periodMinutes, days, scale int) Demand {
	ppd := 24 * 60 / periodMinutes
	d := Demand{PeriodMinutes: periodMinutes}
	for range days {
		row := make([]int, ppd)
		for p := range row {
			h := float64(p) / float64(ppd) * 24
			base := 0.25 + 0.75*math.Exp(-math.Pow((h-11)/4, 2)) + 0.5*math.Exp(-math.Pow((h-18)/2, 2))
			row[p] = int(math.Round(float64(scale)*base + rng.NormFloat64()*float64(scale)/10))
			row[p] = max(0, row[p])
		}
		d.Days = append(d.Days, row)
	}
	return d
}

func TestWeekAnyStart(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	d := randomWeek(rng, 30, 7, 20)
	plan, err := Solve(d, Options{Lengths: []time.Duration{8 * time.Hour, 12 * time.Hour}, TimeLimit: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	assertCovers(t, d, plan)
	t.Logf("hours %.1f bound %.1f gap %.4f nodes %d elapsed %v optimal %v", plan.OperatorHours, plan.LowerBound, plan.Gap, plan.Nodes, plan.Elapsed, plan.Optimal)
}

func TestZeroDemand(t *testing.T) {
	d := Demand{PeriodMinutes: 60, Days: [][]int{make([]int, 24), make([]int, 24)}}
	plan, err := Solve(d, Options{Lengths: []time.Duration{8 * time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Shifts) != 0 || plan.OperatorHours != 0 || !plan.Optimal || len(plan.Coverage) != 2 {
		t.Fatalf("plan %+v", plan)
	}
}

func TestNightShiftBelongsToTwoDays(t *testing.T) {
	// Need only Sunday 22:00-24:00 and Monday 00:00-06:00: one 8-hour shift
	// starting Sunday 22:00 covers both, across the end of the week.
	d := Demand{PeriodMinutes: 60}
	for day := range 7 {
		row := make([]int, 24)
		switch day {
		case 0:
			for h := 0; h < 6; h++ {
				row[h] = 1
			}
		case 6:
			row[22], row[23] = 1, 1
		}
		d.Days = append(d.Days, row)
	}
	plan, err := Solve(d, Options{Lengths: []time.Duration{8 * time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Shifts) != 1 || plan.Shifts[0].Day != 6 || plan.Shifts[0].Start != 22*time.Hour || plan.OperatorHours != 8 {
		t.Fatalf("shifts %+v", plan.Shifts)
	}
	assertCovers(t, d, plan)
	// Without wrap the week ends on Sunday night: two shifts are needed.
	plan, err = Solve(d, Options{Lengths: []time.Duration{8 * time.Hour}, NoWrap: true})
	if err != nil {
		t.Fatal(err)
	}
	if plan.OperatorHours != 16 {
		t.Fatalf("no-wrap plan %v hours, want 16", plan.OperatorHours)
	}
}

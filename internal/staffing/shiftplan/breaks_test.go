package shiftplan

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestBreaksInsideTheirWindow(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 15))
	rule := BreakRule{MinShift: 6 * time.Hour, Length: 30 * time.Minute, Earliest: 2 * time.Hour, Latest: 6 * time.Hour}
	lunch := BreakRule{MinShift: 10 * time.Hour, Length: time.Hour, Earliest: 6 * time.Hour, Latest: 9 * time.Hour}
	for i := range 8 {
		d := randomWeek(rng, 30, 1+rng.IntN(7), 3+rng.IntN(20))
		plan, err := Solve(d, Options{Lengths: []time.Duration{4 * time.Hour, 8 * time.Hour, 12 * time.Hour}, Breaks: []BreakRule{rule, lunch}})
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		assertCovers(t, d, plan)
		for _, s := range plan.Shifts {
			var short, long int
			for _, b := range s.Breaks {
				var r BreakRule
				switch b.Length {
				case rule.Length:
					r = rule
					short += b.Count
				case lunch.Length:
					r = lunch
					long += b.Count
				default:
					t.Fatalf("break of %v", b.Length)
				}
				if b.Start < r.Earliest || b.Start+b.Length > r.Latest {
					t.Fatalf("break at +%v for %v outside %v-%v", b.Start, b.Length, r.Earliest, r.Latest)
				}
			}
			wantShort, wantLong := 0, 0
			if s.Length >= rule.MinShift {
				wantShort = s.Count
			}
			if s.Length >= lunch.MinShift {
				wantLong = s.Count
			}
			if short != wantShort || long != wantLong {
				t.Fatalf("%v shift of %d: %d short and %d long breaks", s.Length, s.Count, short, long)
			}
		}
		if plan.UnplacedBreaks != 0 {
			t.Fatalf("%d breaks unplaced", plan.UnplacedBreaks)
		}
	}
}

// TestBreaksRaiseTheRequirement: a flat need of 5 around the clock has no
// slack, so breaks force extra operators; the repair rounds must find a
// plan without deficit and the bound stays that of the break-free problem.
func TestBreaksRaiseTheRequirement(t *testing.T) {
	row := make([]int, 48)
	for i := range row {
		row[i] = 5
	}
	d := Demand{PeriodMinutes: 30, Days: [][]int{row, row, row}}
	o := Options{Lengths: []time.Duration{8 * time.Hour}}
	plain, err := Solve(d, o)
	if err != nil {
		t.Fatal(err)
	}
	o.Breaks = []BreakRule{{MinShift: 6 * time.Hour, Length: 30 * time.Minute, Earliest: 3 * time.Hour, Latest: 5 * time.Hour}}
	withBreaks, err := Solve(d, o)
	if err != nil {
		t.Fatal(err)
	}
	assertCovers(t, d, withBreaks)
	if withBreaks.Deficit != nil {
		t.Fatalf("deficit left: %v", withBreaks.Deficit)
	}
	if withBreaks.OperatorHours <= plain.OperatorHours || withBreaks.LowerBound != plain.LowerBound {
		t.Fatalf("with breaks %v h (bound %v), without %v h (bound %v)",
			withBreaks.OperatorHours, withBreaks.LowerBound, plain.OperatorHours, plain.LowerBound)
	}
}

// TestBreakDeficitReported: fixed patterns that cannot absorb a break
// leave the shortfall in Deficit rather than hiding it.
func TestBreakDeficitReported(t *testing.T) {
	row := make([]int, 24)
	for i := range row {
		row[i] = 2
	}
	d := Demand{PeriodMinutes: 60, Days: [][]int{row}}
	o := Options{
		Patterns: []Pattern{{Name: "a", Start: 0, Length: 8 * time.Hour}, {Name: "b", Start: 8 * time.Hour, Length: 8 * time.Hour}, {Name: "c", Start: 16 * time.Hour, Length: 8 * time.Hour}},
		// Everyone breaks in the same hour: more staff on the shift does
		// not help until it covers the break hour twice over.
		Breaks:      []BreakRule{{MinShift: 8 * time.Hour, Length: time.Hour, Earliest: 4 * time.Hour, Latest: 5 * time.Hour}},
		MaxPerShift: 2,
	}
	plan, err := Solve(d, o)
	if err != nil {
		t.Fatal(err)
	}
	assertCovers(t, d, plan)
	if plan.Deficit == nil {
		t.Fatal("want a reported deficit")
	}
	for _, h := range []int{4, 12, 20} {
		if plan.Deficit[0][h] != 2 {
			t.Fatalf("hour %d: deficit %d, want 2", h, plan.Deficit[0][h])
		}
	}
}

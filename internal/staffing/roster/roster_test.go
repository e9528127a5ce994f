package roster

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/staffing/shiftplan"
)

const h = time.Hour

// verify checks every hard rule on a result with its own arithmetic and
// that Unfilled and LanguageGaps tell the truth.
func verify(tb testing.TB, shifts []Shift, ops []Operator, rules Rules, res Result) {
	tb.Helper()
	days := rules.Days
	if days == 0 {
		days = 7
	}
	rest := rules.MinRest
	if rest == 0 {
		rest = 11 * h
	}
	week := time.Duration(days) * 24 * h
	byID := map[string]Operator{}
	for _, o := range ops {
		byID[o.ID] = o
	}
	work := map[string][]int{}
	for i, ids := range res.Staff {
		if len(ids) > shifts[i].Count {
			tb.Fatalf("shift %d: %d operators for %d places", i, len(ids), shifts[i].Count)
		}
		for _, id := range ids {
			work[id] = append(work[id], i)
		}
		missing := shifts[i].Count - len(ids)
		reported := 0
		for _, u := range res.Unfilled {
			if u.Shift == i {
				reported = u.Missing
			}
		}
		if reported != missing {
			tb.Fatalf("shift %d: %d missing, %d reported", i, missing, reported)
		}
		for lang, share := range rules.LanguageShare {
			need := 0
			for float64(need) < share*float64(shifts[i].Count)-1e-9 {
				need++
			}
			have := 0
			for _, id := range ids {
				if slices.Contains(byID[id].Languages, lang) {
					have++
				}
			}
			gap := slices.ContainsFunc(res.LanguageGaps, func(g LanguageGap) bool { return g.Shift == i && g.Language == lang })
			if (have < need) != gap {
				tb.Fatalf("shift %d %s: %d of %d speakers, gap reported %v", i, lang, have, need, gap)
			}
		}
	}
	start := func(i int) time.Duration { return time.Duration(shifts[i].Day)*24*h + shifts[i].Start }
	for id, list := range work {
		o := byID[id]
		total := 0.0
		for _, i := range list {
			total += shifts[i].Length.Hours()
			// Days off and requests are dates of this horizon (day Days is the
			// one after it): each shift as worked this horizon, without wrapping.
			s, e := start(i), start(i)+shifts[i].Length
			for _, d := range o.DaysOff {
				if s < time.Duration(d+1)*24*h && time.Duration(d)*24*h < e {
					tb.Fatalf("%s works shift %d on day off %d", id, i, d)
				}
			}
			for _, u := range o.Unavailable {
				us := time.Duration(u.Day)*24*h + u.Start
				if s < us+u.Length && us < e {
					tb.Fatalf("%s works shift %d in unavailable span %+v", id, i, u)
				}
			}
			for _, j := range list {
				if i == j {
					continue
				}
				// j starts d after i starts; i must have ended rest before.
				d := start(j) - start(i)
				if rules.NoWrap && d < 0 {
					continue // the pair is checked the other way round
				}
				for d < 0 {
					d += week
				}
				if gap := d - shifts[i].Length; gap < rest {
					tb.Fatalf("%s: %v from the end of shift %d to the start of %d", id, gap, i, j)
				}
			}
		}
		if o.MaxHours > 0 && total > o.MaxHours+1e-9 {
			tb.Fatalf("%s: %v hours over the cap %v", id, total, o.MaxHours)
		}
		if res.Hours[id] != total {
			tb.Fatalf("%s: %v hours reported, %v worked", id, res.Hours[id], total)
		}
	}
}

func mustAssign(tb testing.TB, shifts []Shift, ops []Operator, rules Rules) Result {
	tb.Helper()
	res, err := Assign(shifts, ops, rules)
	if err != nil {
		tb.Fatal(err)
	}
	verify(tb, shifts, ops, rules, res)
	return res
}

func TestRestAcrossTheWeekEnd(t *testing.T) {
	// Sunday 22:00-06:00 and Monday 08:00: two hours of rest once the week
	// repeats, so one operator cannot do both; without wrap they are a
	// week apart.
	shifts := []Shift{{Day: 6, Start: 22 * h, Length: 8 * h, Count: 1}, {Day: 0, Start: 8 * h, Length: 8 * h, Count: 1}}
	ops := []Operator{{ID: "a"}}
	res := mustAssign(t, shifts, ops, Rules{})
	if len(res.Unfilled) != 1 {
		t.Fatalf("wrapping week: unfilled %v, want one shift open", res.Unfilled)
	}
	res = mustAssign(t, shifts, ops, Rules{NoWrap: true})
	if len(res.Unfilled) != 0 {
		t.Fatalf("one-off week: unfilled %v", res.Unfilled)
	}
}

func TestRestEleven(t *testing.T) {
	// Monday 08-20 then Tuesday 06:00 leaves 10 h: refused; Tuesday 07:00
	// leaves 11 h: allowed.
	for _, c := range []struct {
		start time.Duration
		ok    bool
	}{{6 * h, false}, {7 * h, true}} {
		shifts := []Shift{{Day: 0, Start: 8 * h, Length: 12 * h, Count: 1}, {Day: 1, Start: c.start, Length: 8 * h, Count: 1}}
		res := mustAssign(t, shifts, []Operator{{ID: "a"}}, Rules{})
		if got := len(res.Unfilled) == 0; got != c.ok {
			t.Fatalf("next start %v: both filled %v, want %v", c.start, got, c.ok)
		}
	}
}

func TestHardLimits(t *testing.T) {
	shifts := []Shift{
		{Day: 0, Start: 8 * h, Length: 8 * h, Count: 1},
		{Day: 1, Start: 8 * h, Length: 8 * h, Count: 1},
		{Day: 2, Start: 20 * h, Length: 12 * h, Count: 1}, // ends on day 3
		{Day: 4, Start: 9 * h, Length: 8 * h, Count: 1},
	}
	ops := []Operator{{
		ID:          "a",
		MaxHours:    16,
		DaysOff:     []int{3},
		Unavailable: []Span{{Day: 4, Start: 12 * h, Length: time.Hour}},
	}}
	res := mustAssign(t, shifts, ops, Rules{})
	if res.Hours["a"] != 16 || len(res.Staff[2]) != 0 || len(res.Staff[3]) != 0 {
		t.Fatalf("staff %v hours %v", res.Staff, res.Hours)
	}
}

func TestLanguageShare(t *testing.T) {
	shifts := []Shift{{Day: 0, Start: 8 * h, Length: 8 * h, Count: 4}, {Day: 0, Start: 16 * h, Length: 8 * h, Count: 4}}
	var ops []Operator
	for i := range 10 {
		o := Operator{ID: fmt.Sprintf("op%02d", i), Languages: []string{"ru"}}
		if i < 4 {
			o.Languages = append(o.Languages, "kk")
		}
		ops = append(ops, o)
	}
	rules := Rules{LanguageShare: map[string]float64{"kk": 0.5}}
	res := mustAssign(t, shifts, ops, rules)
	if len(res.LanguageGaps) != 0 || len(res.Unfilled) != 0 {
		t.Fatalf("gaps %v unfilled %v: four Kazakh speakers suffice for 2+2", res.LanguageGaps, res.Unfilled)
	}
	// With three speakers the second shift is one short, and says so.
	ops[3].Languages = []string{"ru"}
	res = mustAssign(t, shifts, ops, rules)
	if len(res.LanguageGaps) != 1 || res.LanguageGaps[0].Have != 1 || res.LanguageGaps[0].Need != 2 {
		t.Fatalf("gaps %+v, want one shift with 1 of 2", res.LanguageGaps)
	}
}

func TestExchangeFillsWhatGreedyLeaves(t *testing.T) {
	// Greedy gives Monday to a (first of two equals); a's 8-hour cap then
	// blocks Tuesday, and b is off on Tuesday. Swapping fixes it.
	shifts := []Shift{{Day: 0, Start: 8 * h, Length: 8 * h, Count: 1}, {Day: 1, Start: 8 * h, Length: 8 * h, Count: 1}}
	ops := []Operator{{ID: "a", MaxHours: 8}, {ID: "b", MaxHours: 8, DaysOff: []int{1}}}
	res := mustAssign(t, shifts, ops, Rules{})
	if len(res.Unfilled) != 0 || res.Staff[0][0] != "b" || res.Staff[1][0] != "a" {
		t.Fatalf("staff %v unfilled %v", res.Staff, res.Unfilled)
	}
}

func TestPreferences(t *testing.T) {
	shifts := []Shift{{Day: 0, Start: 22 * h, Length: 8 * h, Count: 1}, {Day: 0, Start: 8 * h, Length: 8 * h, Count: 1}}
	ops := []Operator{
		{ID: "owl", Prefer: Preferences{Starts: []time.Duration{22 * h}}},
		{ID: "lark", Prefer: Preferences{AvoidNights: true}},
	}
	res := mustAssign(t, shifts, ops, Rules{})
	if res.Staff[0][0] != "owl" || res.Staff[1][0] != "lark" {
		t.Fatalf("staff %v", res.Staff)
	}
}

func TestRandomRostersKeepTheRules(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for n := range 30 {
		var shifts []Shift
		for range 5 + rng.IntN(20) {
			shifts = append(shifts, Shift{
				Day:    rng.IntN(7),
				Start:  time.Duration(rng.IntN(48)) * 30 * time.Minute,
				Length: []time.Duration{8 * h, 12 * h}[rng.IntN(2)],
				Count:  1 + rng.IntN(5),
			})
		}
		var ops []Operator
		for i := range 5 + rng.IntN(25) {
			o := Operator{ID: fmt.Sprintf("op%02d", i), MaxHours: []float64{0, 24, 36, 40}[rng.IntN(4)], Languages: []string{"ru"}}
			if rng.IntN(2) == 0 {
				o.Languages = append(o.Languages, "kk")
			}
			if rng.IntN(3) == 0 {
				o.DaysOff = []int{rng.IntN(7), rng.IntN(7)}
			}
			if rng.IntN(4) == 0 {
				o.Unavailable = []Span{{Day: rng.IntN(7), Start: time.Duration(rng.IntN(24)) * h, Length: 3 * h}}
			}
			ops = append(ops, o)
		}
		rules := Rules{LanguageShare: map[string]float64{"kk": 0.3}, NoWrap: n%5 == 0}
		mustAssign(t, shifts, ops, rules)
	}
}

func TestFromPlan(t *testing.T) {
	day := make([]int, 24)
	for i := range day {
		day[i] = 3
	}
	plan, err := shiftplan.Solve(shiftplan.Demand{PeriodMinutes: 60, Days: [][]int{day, day, day, day, day, day, day}},
		shiftplan.Options{Lengths: []time.Duration{8 * h}, Starts: []time.Duration{6 * h, 14 * h, 22 * h}})
	if err != nil {
		t.Fatal(err)
	}
	shifts := FromPlan(plan)
	var ops []Operator
	for i := range 20 {
		ops = append(ops, Operator{ID: fmt.Sprintf("op%02d", i), MaxHours: 40, DaysOff: []int{i % 7, (i + 1) % 7}})
	}
	res := mustAssign(t, shifts, ops, Rules{})
	// 63 places of 8 h: 504 hours, within 20 × 40.
	if len(res.Unfilled) != 0 {
		t.Fatalf("unfilled %v", res.Unfilled)
	}
}

func TestInvalidInput(t *testing.T) {
	ok := []Shift{{Day: 0, Start: 8 * h, Length: 8 * h, Count: 1}}
	for name, c := range map[string]struct {
		shifts []Shift
		ops    []Operator
		rules  Rules
	}{
		"day outside horizon": {[]Shift{{Day: 3, Start: 0, Length: 8 * h, Count: 1}}, nil, Rules{Days: 2}},
		"negative count":      {[]Shift{{Day: 0, Start: 0, Length: 8 * h, Count: -1}}, nil, Rules{}},
		"zero length":         {[]Shift{{Day: 0, Start: 0, Count: 1}}, nil, Rules{}},
		"start past midnight": {[]Shift{{Day: 0, Start: 25 * h, Length: 8 * h, Count: 1}}, nil, Rules{}},
		"duplicate operator":  {ok, []Operator{{ID: "a"}, {ID: "a"}}, Rules{}},
		"empty ID":            {ok, []Operator{{}}, Rules{}},
		"share above 1":       {ok, nil, Rules{LanguageShare: map[string]float64{"kk": 1.5}}},
		"eight days":          {ok, nil, Rules{Days: 8}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Assign(c.shifts, c.ops, c.rules); err == nil {
				t.Fatal("want error")
			}
		})
	}
}

// A roster is for one dated week: a request for next Monday's early hours keeps an
// operator off this Sunday's night shift, which runs into them, and a request for this
// Monday's early hours does not.
func TestRequestsAtTheWeeksEdgeAreDated(t *testing.T) {
	shifts := []Shift{{Day: 6, Start: 22 * h, Length: 8 * h, Count: 1}}
	early := func(day int) []Span { return []Span{{Day: day, Start: h, Length: 2 * h}} }
	for _, tc := range []struct {
		name string
		ops  []Operator
		want string
	}{
		{"next Monday's request", []Operator{{ID: "aigerim", Unavailable: early(7)}, {ID: "bolat"}}, "bolat"},
		{"this Monday's request", []Operator{{ID: "aigerim", Unavailable: early(0)}}, "aigerim"},
		{"next Monday off", []Operator{{ID: "aigerim", DaysOff: []int{7}}, {ID: "bolat", DaysOff: []int{0}}}, "bolat"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustAssign(t, shifts, tc.ops, Rules{})
			if len(res.Staff[0]) != 1 || res.Staff[0][0] != tc.want {
				t.Fatalf("Sunday night went to %v, want %s", res.Staff[0], tc.want)
			}
		})
	}
}

package roster

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

var astana = time.FixedZone("UTC+05:00", 5*3600)

func TestApplyAvailability(t *testing.T) {
	week := time.Date(2026, 11, 30, 0, 0, 0, 0, astana) // a Monday
	at := func(day int, clock time.Duration) time.Time { return week.AddDate(0, 0, day).Add(clock) }
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	cap16 := 16.0
	base := Operator{ID: "aigerim", Languages: []string{"kk"}, MaxHours: 40}

	for _, tc := range []struct {
		name  string
		days  int
		rules *WorkRules
		es    []Entry
		want  Operator
	}{
		{name: "nothing stored keeps the defaults", days: 7, want: base},
		{
			name: "personal rules override the default cap and set preferences", days: 7,
			rules: &WorkRules{Login: "aigerim", MaxHours: &cap16, Starts: []time.Duration{8 * h},
				Days: []time.Weekday{time.Monday, time.Saturday}, AvoidNights: true},
			want: Operator{ID: "aigerim", Languages: []string{"kk"}, MaxHours: 16,
				Prefer: Preferences{Starts: []time.Duration{8 * h}, Days: []int{0, 5}, AvoidNights: true}},
		},
		{
			name: "rules without a cap keep the default", days: 7,
			rules: &WorkRules{Login: "aigerim", AvoidNights: true},
			want:  Operator{ID: "aigerim", Languages: []string{"kk"}, MaxHours: 40, Prefer: Preferences{AvoidNights: true}},
		},
		{
			name: "another operator's rules and entries are ignored", days: 7,
			rules: &WorkRules{Login: "bolat", MaxHours: &cap16},
			es:    []Entry{{Login: "bolat", Kind: DayOff, Date: date(2026, 12, 2)}},
			want:  base,
		},
		{
			name: "days off by date, in the horizon and the day after it only", days: 7,
			es: []Entry{
				{Login: "aigerim", Kind: DayOff, Date: date(2026, 12, 4)},
				{Login: "aigerim", Kind: DayOff, Date: date(2026, 12, 2)},
				{Login: "aigerim", Kind: DayOff, Date: date(2026, 11, 29)}, // the Sunday before
				{Login: "aigerim", Kind: DayOff, Date: date(2026, 12, 7)},  // the Monday after: Sunday night runs into it
				{Login: "aigerim", Kind: DayOff, Date: date(2026, 12, 8)},  // the Tuesday after
			},
			want: Operator{ID: "aigerim", Languages: []string{"kk"}, MaxHours: 40, DaysOff: []int{2, 4, 7}},
		},
		{
			name: "only approved entries bind", days: 7,
			es: []Entry{
				{Login: "aigerim", Kind: DayOff, Date: date(2026, 12, 2), Status: Approved},
				{Login: "aigerim", Kind: DayOff, Date: date(2026, 12, 3), Status: Pending},
				{Login: "aigerim", Kind: DayOff, Date: date(2026, 12, 4), Status: Declined},
				{Login: "aigerim", Kind: Unavailable, From: at(5, 10*h), To: at(5, 12*h), Status: Pending},
			},
			want: Operator{ID: "aigerim", Languages: []string{"kk"}, MaxHours: 40, DaysOff: []int{2}},
		},
		{
			name: "a request inside the week becomes a span from its local start", days: 7,
			es: []Entry{{Login: "aigerim", Kind: Unavailable,
				From: at(4, 10*h).UTC(), To: at(4, 12*h+30*time.Minute).UTC()}},
			want: Operator{ID: "aigerim", Languages: []string{"kk"}, MaxHours: 40,
				Unavailable: []Span{{Day: 4, Start: 10 * h, Length: 2*h + 30*time.Minute}}},
		},
		{
			name: "requests crossing the week's edges are clipped", days: 7,
			es: []Entry{
				{Login: "aigerim", Kind: Unavailable, From: at(-1, 20*h), To: at(0, 6*h)},
				{Login: "aigerim", Kind: Unavailable, From: at(6, 22*h), To: at(7, 9*h)},
				{Login: "aigerim", Kind: Unavailable, From: at(7, 20*h), To: at(8, 9*h)}, // the day after, clipped
				{Login: "aigerim", Kind: Unavailable, From: at(8, 0), To: at(9, 0)},      // later
			},
			want: Operator{ID: "aigerim", Languages: []string{"kk"}, MaxHours: 40,
				Unavailable: []Span{{Day: 0, Start: 0, Length: 6 * h}, {Day: 6, Start: 22 * h, Length: 11 * h},
					{Day: 7, Start: 20 * h, Length: 4 * h}}},
		},
		{
			name: "a shorter horizon clips to the day after its own end", days: 2,
			rules: &WorkRules{Login: "aigerim", Days: []time.Weekday{time.Wednesday}},
			es: []Entry{
				{Login: "aigerim", Kind: Unavailable, From: at(1, 20*h), To: at(4, 0)},
				{Login: "aigerim", Kind: DayOff, Date: date(2026, 12, 2)},
				{Login: "aigerim", Kind: DayOff, Date: date(2026, 12, 3)},
			},
			want: Operator{ID: "aigerim", Languages: []string{"kk"}, MaxHours: 40, DaysOff: []int{2},
				Unavailable: []Span{{Day: 1, Start: 20 * h, Length: 28 * h}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ApplyAvailability(base, week, tc.days, tc.rules, tc.es)
			if !reflect.DeepEqual(normal(got), normal(tc.want)) {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}

	t.Run("the operator handed in is not changed", func(t *testing.T) {
		o := Operator{ID: "aigerim", DaysOff: make([]int, 1, 4)}
		ApplyAvailability(o, week, 7, nil, []Entry{{Login: "aigerim", Kind: DayOff, Date: date(2026, 12, 3)}})
		if o.DaysOff[:2][1] != 0 {
			t.Fatal("ApplyAvailability wrote into the caller's slice")
		}
	})
}

// normal makes empty and nil slices compare equal.
func normal(o Operator) Operator {
	if len(o.DaysOff) == 0 {
		o.DaysOff = nil
	}
	if len(o.Unavailable) == 0 {
		o.Unavailable = nil
	}
	if len(o.Prefer.Starts) == 0 {
		o.Prefer.Starts = nil
	}
	if len(o.Prefer.Days) == 0 {
		o.Prefer.Days = nil
	}
	return o
}

// An operator with a day off and a request, bound through ApplyAvailability,
// gets no shift touching either.
func TestAssignHonoursStoredAvailability(t *testing.T) {
	week := time.Date(2026, 11, 30, 0, 0, 0, 0, astana)
	var shifts []Shift
	for d := range 7 {
		shifts = append(shifts, Shift{Day: d, Start: 8 * h, Length: 8 * h, Count: 1})
	}
	ops := []Operator{{ID: "aigerim"}, {ID: "bolat"}}
	es := []Entry{
		{Login: "aigerim", Kind: DayOff, Date: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)},
		{Login: "aigerim", Kind: Unavailable, From: week.AddDate(0, 0, 4).Add(15 * h), To: week.AddDate(0, 0, 4).Add(17 * h)},
	}
	max16 := 16.0
	rules := []WorkRules{{Login: "bolat", MaxHours: &max16}}
	for i := range ops {
		var r *WorkRules
		if i := slices.IndexFunc(rules, func(r WorkRules) bool { return r.Login == ops[i].ID }); i >= 0 {
			r = &rules[i]
		}
		ops[i] = ApplyAvailability(ops[i], week, 7, r, es)
	}
	res, err := Assign(shifts, ops, Rules{Days: 7})
	if err != nil {
		t.Fatal(err)
	}
	verify(t, shifts, ops, Rules{Days: 7}, res)
	for i, staff := range res.Staff {
		if (i == 2 || i == 4) && slices.Contains(staff, "aigerim") {
			t.Errorf("aigerim works day %d", i)
		}
	}
	if res.Hours["bolat"] > 16 {
		t.Errorf("bolat works %v h, cap 16", res.Hours["bolat"])
	}
}

func TestWorkRulesNormalize(t *testing.T) {
	bad := func(h float64) *float64 { return &h }
	for name, r := range map[string]WorkRules{
		"zero cap":         {MaxHours: bad(0)},
		"negative cap":     {MaxHours: bad(-1)},
		"cap over a week":  {MaxHours: bad(168.5)},
		"start past 24:00": {Starts: []time.Duration{24 * h}},
		"negative start":   {Starts: []time.Duration{-h}},
		"start in seconds": {Starts: []time.Duration{h + time.Second}},
		"weekday 7":        {Days: []time.Weekday{7}},
		"too many starts":  {Starts: make([]time.Duration, 49)},
	} {
		if _, err := r.Normalize(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	r, err := WorkRules{Starts: []time.Duration{20 * h, 8 * h, 20 * h}, Days: []time.Weekday{time.Sunday, time.Monday, time.Sunday}}.Normalize()
	if err != nil || !slices.Equal(r.Starts, []time.Duration{8 * h, 20 * h}) || !slices.Equal(r.Days, []time.Weekday{time.Monday, time.Sunday}) {
		t.Fatalf("normalized %+v, %v", r, err)
	}
}

func TestEntryValidate(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, astana)
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		e  Entry
		ok bool
	}{
		"day off":                {Entry{Kind: DayOff, Date: day}, true},
		"request":                {Entry{Kind: Unavailable, From: t0, To: t0.Add(h), Reason: "doctor"}, true},
		"day off without a date": {Entry{Kind: DayOff}, false},
		"day off in year 1":      {Entry{Kind: DayOff, Date: time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC)}, false},
		"day off with a span":    {Entry{Kind: DayOff, Date: day, From: t0, To: t0.Add(h)}, false},
		"request ending first":   {Entry{Kind: Unavailable, From: t0, To: t0.Add(-h)}, false},
		"empty request":          {Entry{Kind: Unavailable, From: t0, To: t0}, false},
		"request with a date":    {Entry{Kind: Unavailable, Date: day, From: t0, To: t0.Add(h)}, false},
		"request without an end": {Entry{Kind: Unavailable, From: t0}, false},
		"long reason":            {Entry{Kind: DayOff, Date: day, Reason: string(make([]rune, 501))}, false},
		"unknown kind":           {Entry{Kind: "vacation", Date: day}, false},
	} {
		if err := tc.e.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate = %v", name, err)
		}
	}
}

func TestRestAroundTheWeek(t *testing.T) {
	week := time.Date(2026, 11, 30, 0, 0, 0, 0, astana) // a Monday
	at := func(day int, clock time.Duration) time.Time { return week.AddDate(0, 0, day).Add(clock) }
	neighbours := []Assignment{
		// The Sunday night before, until Monday 06:00: no work before Monday 17:00.
		{Login: "aigerim", StartsAt: at(-1, 22*h), EndsAt: at(0, 6*h)},
		// Earlier in the week before: far enough.
		{Login: "aigerim", StartsAt: at(-3, 8*h), EndsAt: at(-3, 16*h)},
		// Next Monday 07:00: nothing after Sunday 20:00.
		{Login: "aigerim", StartsAt: at(7, 7*h), EndsAt: at(7, 15*h)},
		// Next Tuesday: far enough.
		{Login: "aigerim", StartsAt: at(8, 7*h), EndsAt: at(8, 15*h)},
		// Someone else's.
		{Login: "bolat", StartsAt: at(-1, 22*h), EndsAt: at(0, 6*h)},
	}
	got := RestAround(Operator{ID: "aigerim"}, week, 7, 11*h, neighbours)
	want := []Span{{Day: 0, Start: 0, Length: 17 * h}, {Day: 6, Start: 20 * h, Length: 11 * h}}
	if !reflect.DeepEqual(got.Unavailable, want) {
		t.Fatalf("unavailable = %+v, want %+v", got.Unavailable, want)
	}
	if got := RestAround(Operator{ID: "dana"}, week, 7, 11*h, neighbours); got.Unavailable != nil {
		t.Fatalf("dana works in neither week: %+v", got.Unavailable)
	}

	// Roster the week: one early shift on Monday and one late on Sunday, which only
	// aigerim and bolat can take; aigerim must not get either.
	shifts := []Shift{{Day: 0, Start: 8 * h, Length: 8 * h, Count: 1}, {Day: 6, Start: 14 * h, Length: 8 * h, Count: 1}}
	ops := []Operator{got, RestAround(Operator{ID: "bolat"}, week, 7, 11*h, neighbours)}
	rules := Rules{Days: 7, NoWrap: true, MinRest: 11 * h}
	res, err := Assign(shifts, ops, rules)
	if err != nil {
		t.Fatal(err)
	}
	verify(t, shifts, ops, rules, res)
	if slices.Contains(res.Staff[0], "aigerim") || slices.Contains(res.Staff[1], "aigerim") {
		t.Fatalf("aigerim works without rest: %v", res.Staff)
	}
}

package roster

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// defaultRest is the legal minimum daily rest.
const defaultRest = 11 * time.Hour

// assigner holds the working state of Assign.
type assigner struct {
	shifts  []Shift
	ops     []Operator
	rules   Rules
	horizon int // minutes
	rest    int // minutes
	order   []int
	need    []map[string]int // per shift: speakers needed per language
	staff   [][]int          // per shift: operator indices
	work    [][]int          // per operator: shift indices
	hours   []float64
	speaks  []map[string]bool
	scarce  map[string]float64 // language -> share of operators without it
}

func newAssigner(shifts []Shift, ops []Operator, rules Rules) (*assigner, error) {
	if rules.Days == 0 {
		rules.Days = 7
	}
	if rules.Days < 1 || rules.Days > 7 {
		return nil, fmt.Errorf("days must be 1 to 7, got %d", rules.Days)
	}
	if rules.MinRest == 0 {
		rules.MinRest = defaultRest
	}
	if rules.MinRest < 0 {
		return nil, fmt.Errorf("minimum rest must not be negative, got %v", rules.MinRest)
	}
	for lang, share := range rules.LanguageShare {
		if math.IsNaN(share) || share < 0 || share > 1 {
			return nil, fmt.Errorf("language %q: share must be in [0, 1], got %v", lang, share)
		}
	}
	a := &assigner{
		shifts:  shifts,
		ops:     ops,
		rules:   rules,
		horizon: rules.Days * 24 * 60,
		rest:    int(rules.MinRest / time.Minute),
		need:    make([]map[string]int, len(shifts)),
		staff:   make([][]int, len(shifts)),
		work:    make([][]int, len(ops)),
		hours:   make([]float64, len(ops)),
		speaks:  make([]map[string]bool, len(ops)),
		scarce:  map[string]float64{},
	}
	for i, s := range shifts {
		switch {
		case s.Day < 0 || s.Day >= rules.Days:
			return nil, fmt.Errorf("shift %d: day %d outside the %d-day horizon", i, s.Day, rules.Days)
		case s.Start < 0 || s.Start >= 24*time.Hour:
			return nil, fmt.Errorf("shift %d: start %v is not a time of day", i, s.Start)
		case s.Length <= 0 || int(s.Length/time.Minute) >= a.horizon:
			return nil, fmt.Errorf("shift %d: length %v must be positive and shorter than the horizon", i, s.Length)
		case s.Count < 0:
			return nil, fmt.Errorf("shift %d: count %d must not be negative", i, s.Count)
		}
		a.need[i] = map[string]int{}
		for lang, share := range rules.LanguageShare {
			a.need[i][lang] = int(math.Ceil(share*float64(s.Count) - 1e-9))
		}
		a.order = append(a.order, i)
	}
	seen := map[string]bool{}
	for k, o := range ops {
		if o.ID == "" {
			return nil, errors.New("operator without an ID")
		}
		if seen[o.ID] {
			return nil, fmt.Errorf("operator %q listed twice", o.ID)
		}
		seen[o.ID] = true
		if o.MaxHours < 0 || math.IsNaN(o.MaxHours) {
			return nil, fmt.Errorf("operator %q: max hours must not be negative", o.ID)
		}
		a.speaks[k] = map[string]bool{}
		for _, l := range o.Languages {
			a.speaks[k][l] = true
		}
	}
	for lang := range rules.LanguageShare {
		without := 0
		for k := range ops {
			if !a.speaks[k][lang] {
				without++
			}
		}
		if len(ops) > 0 {
			a.scarce[lang] = float64(without) / float64(len(ops))
		}
	}
	slices.SortStableFunc(a.order, func(x, y int) int {
		return cmp.Or(cmp.Compare(a.begin(x), a.begin(y)), cmp.Compare(shifts[y].Length, shifts[x].Length))
	})
	return a, nil
}

// begin and length of shift i in minutes from the horizon start.
func (a *assigner) begin(i int) int {
	s := a.shifts[i]
	return s.Day*24*60 + int(s.Start/time.Minute)
}

func (a *assigner) minutes(i int) int { return int(a.shifts[i].Length / time.Minute) }

// clash reports whether shifts i and j overlap or leave less than the
// minimum rest between them.
func (a *assigner) clash(i, j int) bool {
	si, li := a.begin(i), a.minutes(i)
	sj, lj := a.begin(j), a.minutes(j)
	if a.rules.NoWrap {
		if si > sj {
			si, li, sj, lj = sj, lj, si, li
		}
		return sj-(si+li) < a.rest
	}
	d := ((sj-si)%a.horizon + a.horizon) % a.horizon
	return d-li < a.rest || (a.horizon-d)-lj < a.rest
}

// overlaps reports whether shift i touches [start, start+length) minutes,
// both counted from the horizon start.
func (a *assigner) overlaps(i, start, length int) bool {
	si, li := a.begin(i), a.minutes(i)
	if a.rules.NoWrap {
		return si < start+length && start < si+li
	}
	for _, shift := range []int{-a.horizon, 0, a.horizon} {
		if si+shift < start+length && start < si+shift+li {
			return true
		}
	}
	return false
}

// touches reports whether shift i, as worked in this horizon (a shift
// crossing its end runs on into the following day), touches [start,
// start+length) minutes from the horizon start.
func (a *assigner) touches(i, start, length int) bool {
	si, li := a.begin(i), a.minutes(i)
	return si < start+length && start < si+li
}

// eligible reports whether operator k may take shift i on top of what k
// already works.
func (a *assigner) eligible(k, i int) bool {
	o := &a.ops[k]
	if o.MaxHours > 0 && a.hours[k]+a.shifts[i].Hours() > o.MaxHours+1e-9 {
		return false
	}
	// Days off and requests are dates of this horizon, not of a repeating
	// week: a request for next Monday (day Days) blocks this Sunday's night
	// shift running into it, and not this Monday.
	for _, d := range o.DaysOff {
		if a.touches(i, d*24*60, 24*60) {
			return false
		}
	}
	for _, sp := range o.Unavailable {
		if a.touches(i, sp.Day*24*60+int(sp.Start/time.Minute), int(sp.Length/time.Minute)) {
			return false
		}
	}
	for _, j := range a.work[k] {
		if j == i || a.clash(i, j) {
			return false
		}
	}
	return true
}

// wish is the preference part of the score of operator k on shift i:
// negative for a wish met, positive for one broken.
func (a *assigner) wish(k, i int) float64 {
	o := &a.ops[k]
	s := a.shifts[i]
	v := 0.0
	if slices.Contains(o.Prefer.Starts, s.Start) {
		v -= 0.3
	}
	if slices.Contains(o.Prefer.Days, s.Day) {
		v -= 0.2
	}
	if o.Prefer.AvoidNights && a.night(i) {
		v += 0.5
	}
	return v
}

// score ranks operator k for shift i; lower is better. quota names the
// language being filled, "" for an open place.
func (a *assigner) score(k, i int, quota string) float64 {
	o := &a.ops[k]
	s := a.shifts[i]
	capHours := o.MaxHours
	if capHours == 0 {
		capHours = 40 // balance uncapped operators as if on a 40-hour week
	}
	v := (a.hours[k]+s.Hours())/capHours + a.wish(k, i)
	// Keep speakers of scarce languages for the places that need them.
	for lang, scarcity := range a.scarce {
		if lang != quota && a.speaks[k][lang] {
			v += 0.25 * scarcity
		}
	}
	return v
}

// night reports whether shift i touches 00:00-06:00 of any day.
func (a *assigner) night(i int) bool {
	for d := 0; d <= a.rules.Days; d++ {
		if a.overlaps(i, d*24*60, 6*60) {
			return true
		}
	}
	return false
}

func (a *assigner) place(k, i int) {
	a.staff[i] = append(a.staff[i], k)
	a.work[k] = append(a.work[k], i)
	a.hours[k] += a.shifts[i].Hours()
}

func (a *assigner) unplace(k, i int) {
	a.staff[i] = slices.DeleteFunc(a.staff[i], func(x int) bool { return x == k })
	a.work[k] = slices.DeleteFunc(a.work[k], func(x int) bool { return x == i })
	a.hours[k] -= a.shifts[i].Hours()
}

// speakers counts the operators on shift i who speak lang.
func (a *assigner) speakers(i int, lang string) int {
	n := 0
	for _, k := range a.staff[i] {
		if a.speaks[k][lang] {
			n++
		}
	}
	return n
}

// best returns the best eligible operator for shift i, restricted to
// speakers of quota when it is set, or -1.
func (a *assigner) best(i int, quota string) int {
	bestK, bestV := -1, math.Inf(1)
	for k := range a.ops {
		if quota != "" && !a.speaks[k][quota] {
			continue
		}
		if !a.eligible(k, i) {
			continue
		}
		if v := a.score(k, i, quota); v < bestV {
			bestK, bestV = k, v
		}
	}
	return bestK
}

// fill staffs shift i: language quotas first, scarcest language first.
func (a *assigner) fill(i int) {
	langs := make([]string, 0, len(a.need[i]))
	for l := range a.need[i] {
		langs = append(langs, l)
	}
	slices.SortFunc(langs, func(x, y string) int {
		return cmp.Or(cmp.Compare(a.scarce[y], a.scarce[x]), cmp.Compare(x, y))
	})
	for _, l := range langs {
		for a.speakers(i, l) < a.need[i][l] && len(a.staff[i]) < a.shifts[i].Count {
			k := a.best(i, l)
			if k < 0 {
				break
			}
			a.place(k, i)
		}
	}
	for len(a.staff[i]) < a.shifts[i].Count {
		k := a.best(i, "")
		if k < 0 {
			return
		}
		a.place(k, i)
	}
}

// repair fills open places through one exchange: operator x, blocked from
// shift i only by their shift j, moves to i while an operator y who is
// free for j takes j over, keeping j's language quotas.
func (a *assigner) repair() {
	for _, i := range a.order {
		for len(a.staff[i]) < a.shifts[i].Count {
			if !a.exchange(i) {
				break
			}
		}
	}
}

// improveWishes swaps two operators between two shifts of equal length
// when both stay within the rules and the swap meets more wishes; hours
// are unchanged, so caps and balance hold.
func (a *assigner) improveWishes() {
	for pass := 0; pass < 5; pass++ {
		swapped := false
		for i := range a.shifts {
			for j := i + 1; j < len(a.shifts); j++ {
				if a.shifts[i].Length != a.shifts[j].Length {
					continue
				}
				for _, x := range slices.Clone(a.staff[i]) {
					for _, y := range slices.Clone(a.staff[j]) {
						if slices.Contains(a.staff[j], x) || slices.Contains(a.staff[i], y) {
							continue
						}
						if a.wish(x, j)+a.wish(y, i) >= a.wish(x, i)+a.wish(y, j)-1e-9 {
							continue
						}
						if a.trySwap(x, i, y, j) {
							swapped = true
							break
						}
					}
				}
			}
		}
		if !swapped {
			return
		}
	}
}

// trySwap moves x from i to j and y from j to i if the rules allow it.
func (a *assigner) trySwap(x, i, y, j int) bool {
	before := [2]map[string]int{a.speakerCounts(i), a.speakerCounts(j)}
	a.unplace(x, i)
	a.unplace(y, j)
	if a.eligible(x, j) && a.eligible(y, i) {
		a.place(x, j)
		a.place(y, i)
		if a.quotasHeld(i, before[0]) && a.quotasHeld(j, before[1]) {
			return true
		}
		a.unplace(x, j)
		a.unplace(y, i)
	}
	a.place(x, i)
	a.place(y, j)
	return false
}

// speakerCounts returns the speakers on shift i of each language with a
// share rule.
func (a *assigner) speakerCounts(i int) map[string]int {
	out := make(map[string]int, len(a.need[i]))
	for lang := range a.need[i] {
		out[lang] = a.speakers(i, lang)
	}
	return out
}

// quotasHeld reports whether shift i still has, for every language, the
// speakers it needs or at least as many as before: a swap may not open or
// widen a language gap.
func (a *assigner) quotasHeld(i int, before map[string]int) bool {
	for lang, need := range a.need[i] {
		if have := a.speakers(i, lang); have < need && have < before[lang] {
			return false
		}
	}
	return true
}

func (a *assigner) exchange(i int) bool {
	for x := range a.ops {
		if slices.Contains(a.staff[i], x) {
			continue
		}
		for _, j := range slices.Clone(a.work[x]) {
			a.unplace(x, j)
			if !a.eligible(x, i) {
				a.place(x, j)
				continue
			}
			a.place(x, i)
			for y := range a.ops {
				if y == x || slices.Contains(a.staff[j], y) || !a.eligible(y, j) {
					continue
				}
				if a.quotaKept(j, x, y) {
					a.place(y, j)
					return true
				}
			}
			a.unplace(x, i)
			a.place(x, j)
		}
	}
	return false
}

// quotaKept reports whether y replacing x on shift j keeps every language
// quota of j that x helped to meet.
func (a *assigner) quotaKept(j, x, y int) bool {
	for lang, need := range a.need[j] {
		if a.speaks[x][lang] && !a.speaks[y][lang] && a.speakers(j, lang) < need {
			return false
		}
	}
	return true
}

func (a *assigner) result() Result {
	res := Result{Staff: make([][]string, len(a.shifts)), Hours: map[string]float64{}}
	for k, o := range a.ops {
		res.Hours[o.ID] = a.hours[k]
	}
	for i, s := range a.shifts {
		ids := make([]string, 0, len(a.staff[i]))
		for _, k := range a.staff[i] {
			ids = append(ids, a.ops[k].ID)
		}
		slices.Sort(ids)
		res.Staff[i] = ids
		if missing := s.Count - len(ids); missing > 0 {
			res.Unfilled = append(res.Unfilled, Unfilled{Shift: i, Missing: missing})
		}
		langs := make([]string, 0, len(a.need[i]))
		for l := range a.need[i] {
			langs = append(langs, l)
		}
		slices.Sort(langs)
		for _, l := range langs {
			if have := a.speakers(i, l); have < a.need[i][l] {
				res.LanguageGaps = append(res.LanguageGaps, LanguageGap{Shift: i, Language: l, Need: a.need[i][l], Have: have})
			}
		}
	}
	return res
}

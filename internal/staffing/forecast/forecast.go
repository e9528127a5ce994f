package forecast

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Options shape a forecast.
type Options struct {
	// Interval is the length of a forecast interval; it must divide a day
	// and be a multiple of the history's own interval length.
	Interval time.Duration
	// HistoryInterval is the length of the history's intervals; 0 infers
	// it as the shortest gap between two observation starts. Every start
	// must lie on its grid, and Interval must be a multiple of it.
	HistoryInterval time.Duration
	// Location gives the wall clock (weekday and time of day) of the
	// observations; nil uses each observation's own offset.
	Location *time.Location
	// Month is the month to forecast; it sets the season.
	Month time.Month
	// SeasonWidth is the standard deviation, in months, of the Gaussian
	// weight given to a day by its distance in the yearly cycle from the
	// middle of Month; 0 means 1 month. Narrow widths follow the season
	// closely but use fewer days.
	SeasonWidth float64
	// HalfLife halves a day's weight for every HalfLife it lies before the
	// last day of history; 0 gives every year the same weight.
	HalfLife time.Duration
	// Growth scales the forecast volume (1.05 = 5 % more calls than the
	// history); 0 means 1.
	Growth float64
	// HandleCredibility is the number of (weighted) observed calls at
	// which an interval's own handle time gets half the weight against the
	// overall mean; 0 means 50. Sparse night intervals borrow from the mean.
	HandleCredibility float64
}

// Forecast is the expected traffic per weekday and interval of the day.
type Forecast struct {
	Interval time.Duration
	Month    time.Month
	// Calls[d][i] is the expected number of calls on weekday d (0 =
	// Monday … 6 = Sunday) in interval i of the day.
	Calls [7][]float64
	// HandleSeconds[d][i] is the mean handle time of those calls.
	HandleSeconds [7][]float64
	// MeanHandle is the season-weighted mean handle time over all of the
	// history: total handle seconds / total calls.
	MeanHandle time.Duration
	// MonthFactors[m-1] is the mean calls per day of calendar month m
	// relative to the mean over all observed days; 0 for months without
	// history. It shows the seasonal swing the weighting follows.
	MonthFactors [12]float64
	// Days is the number of observed days in the history.
	Days int
}

// Weekday returns the Monday-based index of t's weekday.
func Weekday(t time.Time) int { return (int(t.Weekday()) + 6) % 7 }

// day is one observed calendar day of history.
type day struct {
	date    time.Time // local midnight
	weekday int
	calls   []float64
	handle  []float64
	weight  float64
}

// Build makes the forecast for o.Month from the history.
//
// For each weekday and interval the forecast is the weighted mean of the
// calls in that interval over the observed days of that weekday, a day
// counting once it has any observation. A day's weight is
// exp(-½·(Δ/SeasonWidth)²), Δ being the distance in months between its date
// and the middle of o.Month around the yearly cycle, times the recency
// factor 2^(-age/HalfLife). If a weekday has no day of meaningful weight
// the season weights are dropped for it, and if it has no day at all the
// other weekdays stand in.
//
// Handle time per interval is Σw·handle / Σw·calls, shrunk toward the
// overall mean with HandleCredibility calls of prior weight.
func Build(obs []Observation, o Options) (f *Forecast, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("forecast.Build: %w", err)
		}
	}()
	if err := o.validate(); err != nil {
		return nil, err
	}
	if len(obs) == 0 {
		return nil, errors.New("no observations")
	}
	slots := int(24 * time.Hour / o.Interval)
	local := func(t time.Time) time.Time {
		if o.Location != nil {
			return t.In(o.Location)
		}
		return t
	}
	grain := o.HistoryInterval
	if grain == 0 {
		grain = shortestGap(obs)
	}
	if grain <= 0 || grain%time.Minute != 0 || (24*time.Hour)%grain != 0 {
		return nil, fmt.Errorf("history interval %v must be a whole number of minutes dividing a day", grain)
	}
	if o.Interval%grain != 0 {
		return nil, fmt.Errorf("history has %v intervals: cannot forecast %v intervals", grain, o.Interval)
	}
	for _, ob := range obs {
		t := local(ob.Start)
		if off := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute; off%grain != 0 || t.Second() != 0 || t.Nanosecond() != 0 {
			return nil, fmt.Errorf("observation at %s is not on the %v grid of the history", ob.Start.Format(time.RFC3339), grain)
		}
	}

	days := map[time.Time]*day{}
	for _, ob := range obs {
		t := local(ob.Start)
		date := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
		key := date.UTC()
		dy := days[key]
		if dy == nil {
			dy = &day{date: date, weekday: Weekday(t), calls: make([]float64, slots), handle: make([]float64, slots)}
			days[key] = dy
		}
		// Wall-clock position, so a day with a clock change keeps its grid.
		s := (t.Hour()*60 + t.Minute()) / int(o.Interval/time.Minute)
		dy.calls[s] += ob.Calls
		dy.handle[s] += ob.HandleSeconds
	}
	list := make([]*day, 0, len(days))
	for _, dy := range days {
		list = append(list, dy)
	}
	slices.SortFunc(list, func(a, b *day) int { return a.date.Compare(b.date) })
	last := list[len(list)-1].date

	f = &Forecast{Interval: o.Interval, Month: o.Month, Days: len(list)}
	f.MonthFactors = monthFactors(list)
	width := o.SeasonWidth
	if width == 0 {
		width = 1
	}
	for _, dy := range list {
		dy.weight = seasonWeight(dy.date, o.Month, width)
		if o.HalfLife > 0 {
			dy.weight *= math.Exp2(-float64(last.Sub(dy.date)) / float64(o.HalfLife))
		}
	}

	growth := o.Growth
	if growth == 0 {
		growth = 1
	}
	var allCalls, allHandle float64
	for _, dy := range list {
		for s := range slots {
			allCalls += dy.weight * dy.calls[s]
			allHandle += dy.weight * dy.handle[s]
		}
	}
	if allCalls == 0 {
		// The season has no calls; fall back to the whole history for the
		// handle time.
		for _, dy := range list {
			for s := range slots {
				allCalls += dy.calls[s]
				allHandle += dy.handle[s]
			}
		}
	}
	if allCalls == 0 || allHandle == 0 {
		return nil, errors.New("history has no calls with handle time: cannot measure handle time")
	}
	mean := allHandle / allCalls
	f.MeanHandle = time.Duration(math.Round(mean * 1e9))
	cred := o.HandleCredibility
	if cred == 0 {
		cred = 50
	}

	for wd := range 7 {
		pool := weekdayPool(list, wd)
		calls := make([]float64, slots)
		handle := make([]float64, slots)
		var weight float64
		for _, p := range pool {
			weight += p.w
			for s := range slots {
				calls[s] += p.w * p.d.calls[s]
				handle[s] += p.w * p.d.handle[s]
			}
		}
		f.Calls[wd] = make([]float64, slots)
		f.HandleSeconds[wd] = make([]float64, slots)
		for s := range slots {
			f.Calls[wd][s] = growth * calls[s] / weight
			f.HandleSeconds[wd][s] = (handle[s] + cred*mean) / (calls[s] + cred)
		}
	}
	return f, nil
}

type weighted struct {
	d *day
	w float64
}

// weekdayPool returns the days that stand for weekday wd with their
// weights, falling back as Build documents.
func weekdayPool(list []*day, wd int) []weighted {
	const negligible = 1e-6
	var pool []weighted
	total := 0.0
	for _, dy := range list {
		if dy.weekday == wd {
			pool = append(pool, weighted{dy, dy.weight})
			total += dy.weight
		}
	}
	if total > negligible {
		return pool
	}
	if len(pool) > 0 {
		for i := range pool {
			pool[i].w = 1
		}
		return pool
	}
	for _, dy := range list {
		pool = append(pool, weighted{dy, math.Max(dy.weight, negligible)})
	}
	return pool
}

// seasonWeight is the Gaussian kernel of the distance, in months around the
// yearly cycle, between date and the middle of month m.
func seasonWeight(date time.Time, m time.Month, width float64) float64 {
	const daysPerMonth = 365.2425 / 12
	pos := func(t time.Time) float64 { return float64(t.YearDay()-1) / daysPerMonth }
	mid := time.Date(2001, m, 15, 12, 0, 0, 0, time.UTC) // a non-leap year
	delta := math.Abs(pos(date) - pos(mid))
	delta = math.Min(delta, 12-delta)
	return math.Exp(-0.5 * (delta / width) * (delta / width))
}

func monthFactors(list []*day) [12]float64 {
	var sum [12]float64
	var n [12]int
	total, count := 0.0, 0
	for _, dy := range list {
		c := 0.0
		for _, v := range dy.calls {
			c += v
		}
		m := dy.date.Month() - 1
		sum[m] += c
		n[m]++
		total += c
		count++
	}
	var out [12]float64
	if total == 0 {
		return out
	}
	mean := total / float64(count)
	for m := range out {
		if n[m] > 0 {
			out[m] = sum[m] / float64(n[m]) / mean
		}
	}
	return out
}

func (o Options) validate() error {
	switch {
	case o.Interval <= 0 || (24*time.Hour)%o.Interval != 0 || o.Interval%time.Minute != 0:
		return fmt.Errorf("interval %v must be a whole number of minutes dividing a day", o.Interval)
	case o.Month < time.January || o.Month > time.December:
		return fmt.Errorf("month %d out of range 1-12", o.Month)
	case o.SeasonWidth < 0 || math.IsNaN(o.SeasonWidth):
		return fmt.Errorf("season width must not be negative, got %v", o.SeasonWidth)
	case o.HalfLife < 0:
		return fmt.Errorf("half-life must not be negative, got %v", o.HalfLife)
	case o.Growth < 0 || math.IsNaN(o.Growth) || math.IsInf(o.Growth, 0):
		return fmt.Errorf("growth must be a non-negative factor, got %v", o.Growth)
	case o.HandleCredibility < 0 || math.IsNaN(o.HandleCredibility):
		return fmt.Errorf("handle credibility must not be negative, got %v", o.HandleCredibility)
	}
	return nil
}

// shortestGap returns the smallest positive distance between two
// observation starts, capped at a day; a single observation gives a day.
func shortestGap(obs []Observation) time.Duration {
	starts := make([]time.Time, len(obs))
	for i, o := range obs {
		starts[i] = o.Start
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	gap := 24 * time.Hour
	for i := 1; i < len(starts); i++ {
		if d := starts[i].Sub(starts[i-1]); d > 0 && d < gap {
			gap = d
		}
	}
	return gap
}

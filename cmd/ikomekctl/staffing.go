package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/staffing"
	"github.com/ikomek/ikomek/internal/staffing/forecast"
	"github.com/ikomek/ikomek/internal/staffing/shiftplan"
)

// staffingCmd groups the Erlang calculations.
type staffingCmd struct {
	Erlang erlangCmd `cmd:"" help:"Operators needed for one interval: Erlang C, or Erlang A with --patience."`
}

// shiftsCmd groups shift planning.
type shiftsCmd struct {
	Plan     shiftsPlanCmd     `cmd:"" help:"Choose shifts that cover a demand file with the fewest paid operator-hours."`
	Forecast shiftsForecastCmd `cmd:"" help:"Forecast a week of demand from interval history (CSV or the call records) and write a demand file."`
}

// targetFlags are the service target shared by erlang and forecast.
type targetFlags struct {
	AnswerWithin time.Duration `default:"20s" help:"Answer-time threshold of the service level."`
	ServiceLevel float64       `default:"0.8" help:"Share of calls to answer within --answer-within (0-1; 0 disables)."`
	MaxOccupancy float64       `default:"0.85" help:"Highest agent occupancy (0-1; 0 disables)."`
	MaxASA       time.Duration `name:"max-asa" help:"Cap on the average speed of answer (0 disables)."`
	MaxAbandon   float64       `help:"Cap on the abandonment probability (0-1; needs --patience; 0 disables)."`
	Shrinkage    float64       `default:"0.3" help:"Share of paid time off the phones (breaks, training, absence), in [0, 1)."`
	Patience     time.Duration `help:"Mean caller patience; switches from Erlang C to Erlang A."`
}

func (t targetFlags) target() staffing.Target {
	return staffing.Target{
		ServiceLevel: t.ServiceLevel,
		AnswerWithin: t.AnswerWithin,
		MaxOccupancy: t.MaxOccupancy,
		MaxASA:       t.MaxASA,
		MaxAbandon:   t.MaxAbandon,
	}
}

// erlangCmd is "ikomekctl staffing erlang".
type erlangCmd struct {
	Calls    float64       `required:"" help:"Calls offered in the interval."`
	Interval time.Duration `default:"30m" help:"Interval length."`
	AHT      time.Duration `name:"aht" required:"" help:"Mean handle time: talk plus wrap-up."`
	Agents   int           `help:"Evaluate this many agents instead of finding the smallest count that meets the target."`
	targetFlags
	JSON bool `name:"json" help:"Print one JSON object."`

	out io.Writer `kong:"-"`
}

// erlangResult is the JSON shape of erlangCmd.
type erlangResult struct {
	Model               staffing.Model `json:"model"`
	OfferedLoad         float64        `json:"offered_load"`
	Agents              int            `json:"agents"`
	Scheduled           int            `json:"scheduled"`
	Shrinkage           float64        `json:"shrinkage"`
	AnswerWithinSeconds float64        `json:"answer_within_seconds"`
	ServiceLevel        float64        `json:"service_level"`
	WaitProbability     float64        `json:"wait_probability"`
	ASASeconds          float64        `json:"asa_seconds"`
	MeanWaitSeconds     float64        `json:"mean_wait_seconds"`
	Occupancy           float64        `json:"occupancy"`
	AbandonProbability  *float64       `json:"abandon_probability,omitempty"`
	TargetMet           bool           `json:"target_met"`
}

// Run prints the requirement (or the figures for --agents). Bad input and
// unreachable targets are apperr.Invalid.
func (c *erlangCmd) Run() error {
	res, err := c.result()
	if err != nil {
		return invalid(err)
	}
	return c.print(res)
}

func (c *erlangCmd) result() (erlangResult, error) {
	tr := staffing.Traffic{Calls: c.Calls, Interval: c.Interval, AHT: c.AHT, Patience: c.Patience}
	tg := c.target()
	if err := tr.Validate(); err != nil {
		return erlangResult{}, err
	}
	if err := tg.Validate(); err != nil {
		return erlangResult{}, err
	}
	if c.Agents < 0 {
		return erlangResult{}, fmt.Errorf("--agents must not be negative, got %d", c.Agents)
	}
	if c.Shrinkage < 0 || c.Shrinkage >= 1 {
		return erlangResult{}, fmt.Errorf("--shrinkage must be in [0, 1), got %v", c.Shrinkage)
	}
	var (
		m   staffing.Metrics
		err error
		met = true
	)
	if c.Agents > 0 {
		m, err = staffing.Evaluate(tr, c.Agents, c.AnswerWithin)
		met = meets(m, tg)
	} else {
		m, err = staffing.Required(tr, tg)
	}
	if err != nil {
		return erlangResult{}, err
	}
	sched, err := staffing.Scheduled(m.Agents, c.Shrinkage)
	if err != nil {
		return erlangResult{}, err
	}
	res := erlangResult{
		Model:               m.Model,
		OfferedLoad:         m.OfferedLoad,
		Agents:              m.Agents,
		Scheduled:           sched,
		Shrinkage:           c.Shrinkage,
		AnswerWithinSeconds: c.AnswerWithin.Seconds(),
		ServiceLevel:        m.ServiceLevel,
		WaitProbability:     m.WaitProbability,
		ASASeconds:          finite(m.ASA.Seconds()),
		MeanWaitSeconds:     finite(m.MeanWait.Seconds()),
		Occupancy:           m.Occupancy,
		TargetMet:           met,
	}
	if c.Patience > 0 {
		res.AbandonProbability = &m.AbandonProbability
	}
	return res, nil
}

func (c *erlangCmd) print(res erlangResult) error {
	w := output(c.out)
	if c.JSON {
		return writeJSON(w, res)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "model\t%s\n", res.Model)
	fmt.Fprintf(tw, "offered load\t%.3f Erlang\n", res.OfferedLoad)
	fmt.Fprintf(tw, "agents\t%d\n", res.Agents)
	fmt.Fprintf(tw, "scheduled\t%d\t(shrinkage %.0f %%)\n", res.Scheduled, 100*c.Shrinkage)
	fmt.Fprintf(tw, "service level\t%.2f %%\t(answered within %v)\n", 100*res.ServiceLevel, c.AnswerWithin)
	fmt.Fprintf(tw, "P(wait)\t%.2f %%\n", 100*res.WaitProbability)
	fmt.Fprintf(tw, "ASA\t%.1f s\n", res.ASASeconds)
	fmt.Fprintf(tw, "occupancy\t%.2f %%\n", 100*res.Occupancy)
	if res.AbandonProbability != nil {
		fmt.Fprintf(tw, "abandonment\t%.2f %%\n", 100**res.AbandonProbability)
	}
	if c.Agents > 0 {
		fmt.Fprintf(tw, "target met\t%v\n", res.TargetMet)
	}
	return tw.Flush()
}

// meets reports whether m satisfies the enabled criteria of g.
func meets(m staffing.Metrics, g staffing.Target) bool {
	return (g.ServiceLevel == 0 || m.ServiceLevel >= g.ServiceLevel-1e-12) &&
		(g.MaxOccupancy == 0 || m.Occupancy <= g.MaxOccupancy+1e-12) &&
		(g.MaxASA == 0 || m.ASA <= g.MaxASA) &&
		(g.MaxAbandon == 0 || m.AbandonProbability <= g.MaxAbandon+1e-12)
}

// finite maps an unbounded wait (overload) to -1 so JSON can carry it.
func finite(v float64) float64 {
	if v > 1e15 || math.IsInf(v, 0) {
		return -1
	}
	return v
}

// shiftsPlanCmd is "ikomekctl shifts plan".
type shiftsPlanCmd struct {
	Demand        string          `required:"" help:"Demand JSON {\"period_minutes\": 60, \"days\": [[...], ...]} ('-' reads standard input)."`
	Lengths       []time.Duration `default:"8h,12h" help:"Allowed shift lengths."`
	Starts        []string        `help:"Allowed start times of day, HH:MM (default: every period)."`
	Pattern       []string        `help:"Fixed shifts NAME=HH:MM+LENGTH (e.g. early=06:00+8h); replace --lengths and --starts."`
	MaxStarts     int             `help:"Most distinct start times of day (0: no cap)."`
	Seats         int             `help:"Most operators on duty at once (0: no cap)."`
	MaxPerShift   int             `help:"Most operators on one shift (0: no cap)."`
	NoWrap        bool            `help:"Do not wrap the last day into the first."`
	Breaks        []string        `help:"Breaks LENGTH@FROM-TO after the shift start, e.g. 30m@2h-6h (one per rule and shift)."`
	BreakMinShift time.Duration   `default:"6h" help:"Shortest shift that gets the breaks."`
	TimeLimit     time.Duration   `default:"10s" help:"Search time limit; the best plan and its bound are printed when it runs out."`
	JSON          bool            `name:"json" help:"Print one JSON object."`

	in  io.Reader `kong:"-"`
	out io.Writer `kong:"-"`
}

type planJSON struct {
	PeriodMinutes  int         `json:"period_minutes"`
	OperatorHours  float64     `json:"operator_hours"`
	LowerBound     float64     `json:"lower_bound"`
	Gap            float64     `json:"gap"`
	Optimal        bool        `json:"optimal"`
	Starts         []string    `json:"starts"`
	Shifts         []shiftJSON `json:"shifts"`
	Coverage       [][]int     `json:"coverage"`
	Deficit        [][]int     `json:"deficit,omitempty"`
	UnplacedBreaks int         `json:"unplaced_breaks,omitempty"`
	ElapsedMS      int64       `json:"elapsed_ms"`
}

type shiftJSON struct {
	Day     int         `json:"day"`
	Start   string      `json:"start"`
	Hours   float64     `json:"hours"`
	Count   int         `json:"count"`
	Pattern string      `json:"pattern,omitempty"`
	Breaks  []breakJSON `json:"breaks,omitempty"`
}

type breakJSON struct {
	Start   string  `json:"start"`
	Minutes float64 `json:"minutes"`
	Count   int     `json:"count"`
}

// Run plans the shifts and prints them. Unreadable or invalid demand,
// bad options and infeasible plans are apperr.Invalid.
func (c *shiftsPlanCmd) Run() error {
	d, err := c.readDemand()
	if err != nil {
		return invalid(err)
	}
	o, err := c.options()
	if err != nil {
		return invalid(err)
	}
	plan, err := shiftplan.Solve(d, o)
	if err != nil {
		return invalid(err)
	}
	res := planJSON{
		PeriodMinutes:  plan.PeriodMinutes,
		OperatorHours:  plan.OperatorHours,
		LowerBound:     plan.LowerBound,
		Gap:            plan.Gap,
		Optimal:        plan.Optimal,
		Starts:         []string{},
		Shifts:         []shiftJSON{},
		Coverage:       plan.Coverage,
		Deficit:        plan.Deficit,
		UnplacedBreaks: plan.UnplacedBreaks,
		ElapsedMS:      plan.Elapsed.Milliseconds(),
	}
	for _, s := range plan.Starts {
		res.Starts = append(res.Starts, clock(s))
	}
	for _, s := range plan.Shifts {
		sj := shiftJSON{Day: s.Day, Start: clock(s.Start), Hours: s.Hours(), Count: s.Count, Pattern: s.Pattern}
		for _, b := range s.Breaks {
			sj.Breaks = append(sj.Breaks, breakJSON{Start: clock(s.Start + b.Start), Minutes: b.Length.Minutes(), Count: b.Count})
		}
		res.Shifts = append(res.Shifts, sj)
	}
	w := output(c.out)
	if c.JSON {
		return writeJSON(w, res)
	}
	fmt.Fprintf(w, "operator-hours %.1f, lower bound %.1f, gap %.2f %%%s, %d start times, %v\n",
		res.OperatorHours, res.LowerBound, 100*res.Gap, map[bool]string{true: " (optimal)", false: ""}[res.Optimal],
		len(res.Starts), plan.Elapsed.Round(time.Millisecond))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "day\tstart\tend\thours\tcount\tbreaks")
	for _, s := range res.Shifts {
		var br []string
		for _, b := range s.Breaks {
			br = append(br, fmt.Sprintf("%d×%s/%gm", b.Count, b.Start, b.Minutes))
		}
		end := clock(parseClockMust(s.Start) + time.Duration(s.Hours*float64(time.Hour)))
		name := weekdayName(s.Day)
		if s.Pattern != "" {
			name += " " + s.Pattern
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%g\t%d\t%s\n", name, s.Start, end, s.Hours, s.Count, strings.Join(br, " "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if res.Deficit != nil {
		fmt.Fprintln(w, "short after breaks:")
		for day, row := range res.Deficit {
			for p, v := range row {
				if v > 0 {
					fmt.Fprintf(w, "  %s %s: %d\n", weekdayName(day), clock(time.Duration(p*res.PeriodMinutes)*time.Minute), v)
				}
			}
		}
	}
	return nil
}

func (c *shiftsPlanCmd) readDemand() (shiftplan.Demand, error) {
	var r io.Reader
	if c.Demand == "-" {
		r = c.in
		if r == nil {
			r = os.Stdin
		}
	} else {
		f, err := os.Open(c.Demand)
		if err != nil {
			return shiftplan.Demand{}, err
		}
		defer f.Close()
		r = f
	}
	d, err := shiftplan.ParseDemand(r)
	if err != nil {
		return shiftplan.Demand{}, fmt.Errorf("%s: %w", c.Demand, err)
	}
	return d, nil
}

var (
	patternRE = regexp.MustCompile(`^([^=]+)=(\d{1,2}:\d{2})\+(.+)$`)
	breakRE   = regexp.MustCompile(`^([^@]+)@([^-]+)-(.+)$`)
)

func (c *shiftsPlanCmd) options() (shiftplan.Options, error) {
	o := shiftplan.Options{
		Lengths:     c.Lengths,
		MaxStarts:   c.MaxStarts,
		Seats:       c.Seats,
		MaxPerShift: c.MaxPerShift,
		NoWrap:      c.NoWrap,
		TimeLimit:   c.TimeLimit,
	}
	for _, s := range c.Starts {
		t, err := parseClock(s)
		if err != nil {
			return o, fmt.Errorf("--starts: %w", err)
		}
		o.Starts = append(o.Starts, t)
	}
	for _, p := range c.Pattern {
		m := patternRE.FindStringSubmatch(strings.TrimSpace(p))
		if m == nil {
			return o, fmt.Errorf("--pattern %q: want NAME=HH:MM+LENGTH, e.g. early=06:00+8h", p)
		}
		start, err := parseClock(m[2])
		if err != nil {
			return o, fmt.Errorf("--pattern %q: %w", p, err)
		}
		length, err := time.ParseDuration(m[3])
		if err != nil {
			return o, fmt.Errorf("--pattern %q: %w", p, err)
		}
		o.Patterns = append(o.Patterns, shiftplan.Pattern{Name: m[1], Start: start, Length: length})
	}
	for _, b := range c.Breaks {
		m := breakRE.FindStringSubmatch(strings.TrimSpace(b))
		if m == nil {
			return o, fmt.Errorf("--breaks %q: want LENGTH@FROM-TO, e.g. 30m@2h-6h", b)
		}
		var ds [3]time.Duration
		for i := range ds {
			d, err := time.ParseDuration(m[i+1])
			if err != nil {
				return o, fmt.Errorf("--breaks %q: %w", b, err)
			}
			ds[i] = d
		}
		o.Breaks = append(o.Breaks, shiftplan.BreakRule{MinShift: c.BreakMinShift, Length: ds[0], Earliest: ds[1], Latest: ds[2]})
	}
	return o, nil
}

// shiftsForecastCmd is "ikomekctl shifts forecast".
type shiftsForecastCmd struct {
	CSV string `name:"csv" xor:"source" help:"History CSV with header interval_start,calls,handle_seconds (RFC 3339 times; other columns ignored)."`
	historyFlags
	Month        int           `help:"Month to forecast, 1-12 (default: the current month)."`
	Interval     time.Duration `default:"30m" help:"Forecast interval, a multiple of the history's interval."`
	TZ           string        `name:"tz" default:"+05:00" help:"Clock of the history: an offset like +05:00 or a zone name."`
	SeasonWidth  float64       `default:"1" help:"Width of the season weighting, in months."`
	HalfLife     time.Duration `help:"Halve the weight of history this much older than its last day (0: off)."`
	Growth       float64       `default:"1" help:"Volume growth factor over the history."`
	AHT          time.Duration `name:"aht" help:"Use this handle time instead of the measured one."`
	MinScheduled int           `default:"1" help:"Least operators scheduled in any interval."`
	targetFlags
	Out  string `help:"Also write the demand JSON to this file."`
	JSON bool   `name:"json" help:"Print the demand JSON."`

	now func() time.Time `kong:"-"`
	out io.Writer        `kong:"-"`
}

// demandJSON is the demand file written by forecast; shifts plan reads
// its period_minutes and days and ignores the rest.
type demandJSON struct {
	PeriodMinutes     int         `json:"period_minutes"`
	Days              [][]int     `json:"days"`
	Month             int         `json:"month"`
	MeanHandleSeconds float64     `json:"mean_handle_seconds"`
	Calls             [][]float64 `json:"calls"`
}

// Run forecasts and prints (or writes) the demand. Unreadable or invalid
// history and bad options are apperr.Invalid.
func (c *shiftsForecastCmd) Run(ctx context.Context, g *Globals) error {
	obs, err := c.observations(ctx, g)
	if err != nil {
		return err
	}
	res, fc, err := c.result(obs)
	if err != nil {
		return invalid(err)
	}
	if c.Out != "" {
		data, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(c.Out, append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	w := output(c.out)
	if c.JSON {
		return writeJSON(w, res)
	}
	fmt.Fprintf(w, "%s forecast from %d days of history, measured handle time %v\n",
		time.Month(res.Month), fc.Days, fc.MeanHandle.Round(time.Second))
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "time\t")
	for d := range 7 {
		fmt.Fprintf(tw, "%s calls\tops\t", weekdayName(d))
	}
	fmt.Fprintln(tw)
	for i := range res.Days[0] {
		fmt.Fprintf(tw, "%s\t", clock(time.Duration(i)*c.Interval))
		for d := range 7 {
			fmt.Fprintf(tw, "%.1f\t%d\t", fc.Calls[d][i], res.Days[d][i])
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

func (c *shiftsForecastCmd) result(obs []forecast.Observation) (demandJSON, *forecast.Forecast, error) {
	month := c.Month
	if month == 0 {
		now := c.now
		if now == nil {
			now = time.Now
		}
		month = int(now().Month())
	}
	if month < 1 || month > 12 {
		return demandJSON{}, nil, fmt.Errorf("--month must be 1-12, got %d", month)
	}
	if err := c.target().Validate(); err != nil {
		return demandJSON{}, nil, err
	}
	if c.Shrinkage < 0 || c.Shrinkage >= 1 {
		return demandJSON{}, nil, fmt.Errorf("--shrinkage must be in [0, 1), got %v", c.Shrinkage)
	}
	if c.Interval <= 0 || (24*time.Hour)%c.Interval != 0 || c.Interval%time.Minute != 0 {
		return demandJSON{}, nil, fmt.Errorf("--interval %v must be a whole number of minutes dividing a day", c.Interval)
	}
	loc, err := parseZone(c.TZ)
	if err != nil {
		return demandJSON{}, nil, err
	}
	var grain time.Duration
	if c.FromDB {
		// The records are bucketed on the forecast's own grid; quiet
		// intervals must not make the history look coarser.
		grain = c.Interval
	}
	fc, err := forecast.Build(obs, forecast.Options{
		Interval:        c.Interval,
		HistoryInterval: grain,
		Location:        loc,
		Month:           time.Month(month),
		SeasonWidth:     c.SeasonWidth,
		HalfLife:        c.HalfLife,
		Growth:          c.Growth,
	})
	if err != nil {
		return demandJSON{}, nil, err
	}
	req, err := fc.Requirements(forecast.RequirementOptions{
		Target:       c.target(),
		Patience:     c.Patience,
		Shrinkage:    c.Shrinkage,
		MinScheduled: c.MinScheduled,
		HandleTime:   c.AHT,
	})
	if err != nil {
		return demandJSON{}, nil, err
	}
	res := demandJSON{
		PeriodMinutes:     int(c.Interval / time.Minute),
		Days:              req,
		Month:             month,
		MeanHandleSeconds: fc.MeanHandle.Seconds(),
	}
	for d := range fc.Calls {
		row := make([]float64, len(fc.Calls[d]))
		for i, v := range fc.Calls[d] {
			row[i] = math.Round(v*100) / 100
		}
		res.Calls = append(res.Calls, row)
	}
	return res, fc, nil
}

// parseZone accepts ±HH:MM or a zone name.
func parseZone(s string) (*time.Location, error) {
	if m := regexp.MustCompile(`^([+-])(\d{2}):(\d{2})$`).FindStringSubmatch(s); m != nil {
		h, _ := strconv.Atoi(m[2])
		mi, _ := strconv.Atoi(m[3])
		off := h*3600 + mi*60
		if m[1] == "-" {
			off = -off
		}
		return time.FixedZone("UTC"+s, off), nil
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, fmt.Errorf("--tz %q: %w", s, err)
	}
	return loc, nil
}

// parseClock reads HH:MM as an offset from midnight.
func parseClock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day HH:MM", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

func parseClockMust(s string) time.Duration {
	d, err := parseClock(s)
	if err != nil {
		panic(err)
	}
	return d
}

// clock renders an offset from midnight as HH:MM, wrapping past 24:00.
func clock(d time.Duration) string {
	m := int(d/time.Minute) % (24 * 60)
	if m < 0 {
		m += 24 * 60
	}
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}

func weekdayName(d int) string {
	names := [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	if d >= 0 && d < 7 {
		return names[d]
	}
	return "day" + strconv.Itoa(d)
}

// invalid marks err as bad input (exit status 2), keeping its chain.
func invalid(err error) error {
	return fmt.Errorf("%w: %w", apperr.Errorf(apperr.Invalid, "%s", err.Error()), err)
}

func output(w io.Writer) io.Writer {
	if w == nil {
		return os.Stdout
	}
	return w
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return errors.Join(errors.New("writing JSON"), err)
	}
	return nil
}

package forecast_test

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/staffing"
	"github.com/ikomek/ikomek/internal/staffing/forecast"
)

func build(tb testing.TB, obs []forecast.Observation, o forecast.Options) *forecast.Forecast {
	tb.Helper()
	f, err := forecast.Build(obs, o)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// hourOfPeak returns the start hour of the busiest hour of a weekday row
// of half-hours.
func hourOfPeak(row []float64) int {
	best, at := -1.0, 0
	for h := 0; h < 24; h++ {
		if v := row[2*h] + row[2*h+1]; v > best {
			best, at = v, h
		}
	}
	return at
}

func TestSeasonalShape(t *testing.T) {
	obs := history109()
	jan := build(t, obs, forecast.Options{Interval: 30 * time.Minute, Location: astana, Month: time.January})
	jul := build(t, obs, forecast.Options{Interval: 30 * time.Minute, Location: astana, Month: time.July})
	for d := range 7 {
		if h := hourOfPeak(jan.Calls[d]); h != 6 && h != 7 {
			t.Errorf("January weekday %d peaks at %02d:00, want 06-08", d, h)
		}
		if h := hourOfPeak(jul.Calls[d]); h != 10 && h != 11 && (h < 16 || h > 18) {
			t.Errorf("July weekday %d peaks at %02d:00, want 10-12 or 16-19", d, h)
		}
	}
	sum := func(f *forecast.Forecast) float64 {
		s := 0.0
		for d := range 7 {
			for _, v := range f.Calls[d] {
				s += v
			}
		}
		return s / 7
	}
	if sum(jan) <= sum(jul) {
		t.Errorf("winter day %.0f calls, summer day %.0f: winter should be busier", sum(jan), sum(jul))
	}
	if f := jan.MonthFactors; f[0] <= f[6] {
		t.Errorf("month factors January %.3f, July %.3f", f[0], f[6])
	}
	// The year adds up to the center's scale.
	yearly := 0.0
	for _, o := range obs {
		yearly += o.Calls
	}
	if math.Abs(yearly-400_000) > 4000 {
		t.Fatalf("synthetic year has %.0f calls", yearly)
	}
}

func TestHandleTimeIsMeasured(t *testing.T) {
	// Constant 312 s per call: every interval and the mean must say so.
	start := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	var obs []forecast.Observation
	for i := range 14 * 48 {
		calls := float64(1 + i%7)
		obs = append(obs, forecast.Observation{Start: start.Add(time.Duration(i) * 30 * time.Minute), Calls: calls, HandleSeconds: 312 * calls})
	}
	f := build(t, obs, forecast.Options{Interval: time.Hour, Month: time.January})
	if f.MeanHandle != 312*time.Second {
		t.Fatalf("mean handle %v, want 5m12s", f.MeanHandle)
	}
	for d := range 7 {
		for i, h := range f.HandleSeconds[d] {
			if math.Abs(h-312) > 1e-9 {
				t.Fatalf("weekday %d hour %d: handle %v s", d, i, h)
			}
		}
	}
	// Hourly forecast adds the two half-hours of history.
	if got, want := f.Calls[0][0], float64(1+0%7+1+1%7); got != want {
		t.Fatalf("Monday 00:00 calls %v, want %v", got, want)
	}
}

func TestHandleTimeCredibility(t *testing.T) {
	// A night hour with 1 call of 1000 s against a day mean of 200 s is
	// pulled toward the mean; a busy hour keeps its own figure.
	start := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC) // Monday
	obs := []forecast.Observation{
		{Start: start, Calls: 1, HandleSeconds: 1000},
		{Start: start.Add(10 * time.Hour), Calls: 500, HandleSeconds: 500 * 200},
	}
	f := build(t, obs, forecast.Options{Interval: time.Hour, HistoryInterval: time.Hour, Month: time.January})
	mean := f.MeanHandle.Seconds()
	if night := f.HandleSeconds[0][0]; night >= 1000 || night <= mean {
		t.Fatalf("night handle %v s, want between mean %v and 1000", night, mean)
	}
	if day := f.HandleSeconds[0][10]; math.Abs(day-200) > 5 {
		t.Fatalf("day handle %v s, want about 200", day)
	}
}

func TestFinerThanHistoryIsRefused(t *testing.T) {
	start := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	var obs []forecast.Observation
	for h := range 48 {
		obs = append(obs, forecast.Observation{Start: start.Add(time.Duration(h) * time.Hour), Calls: 3, HandleSeconds: 600})
	}
	if _, err := forecast.Build(obs, forecast.Options{Interval: 30 * time.Minute, Month: 1}); err == nil {
		t.Fatal("30-minute forecast from hourly history: want error")
	}
	if _, err := forecast.Build(obs, forecast.Options{Interval: 2 * time.Hour, HistoryInterval: 90 * time.Minute, Month: 1}); err == nil {
		t.Fatal("starts off the stated grid: want error")
	}
}

func TestMissingWeekdayFallsBack(t *testing.T) {
	// Only Mondays observed: other weekdays borrow them rather than fail.
	start := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	obs := []forecast.Observation{{Start: start.Add(9 * time.Hour), Calls: 40, HandleSeconds: 40 * 180}}
	f := build(t, obs, forecast.Options{Interval: time.Hour, HistoryInterval: 30 * time.Minute, Month: time.July})
	for d := range 7 {
		if f.Calls[d][9] != 40 {
			t.Fatalf("weekday %d 09:00: %v calls, want 40", d, f.Calls[d][9])
		}
	}
}

func TestRequirementsMatchErlang(t *testing.T) {
	// 100 calls per half-hour at 180 s is published check 1: 20 scheduled.
	start := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	var obs []forecast.Observation
	for i := range 7 * 48 {
		obs = append(obs, forecast.Observation{Start: start.Add(time.Duration(i) * 30 * time.Minute), Calls: 100, HandleSeconds: 18000})
	}
	f := build(t, obs, forecast.Options{Interval: 30 * time.Minute, Month: time.January})
	req, err := f.Requirements(forecast.RequirementOptions{
		Target:    staffing.Target{ServiceLevel: 0.8, AnswerWithin: 20 * time.Second, MaxOccupancy: 0.85},
		Shrinkage: 0.3,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(req) != 7 || len(req[0]) != 48 {
		t.Fatalf("matrix %dx%d, want 7x48", len(req), len(req[0]))
	}
	for d := range req {
		for i, v := range req[d] {
			if v != 20 {
				t.Fatalf("weekday %d interval %d: %d scheduled, want 20", d, i, v)
			}
		}
	}
}

func TestParseCSV(t *testing.T) {
	in := "\ufeffinterval_start,calls,handle_seconds,queue\n" +
		"2025-01-06T06:00:00+05:00,42,11340,main\n" +
		"2025-01-06T06:30:00+05:00, 51 ,13770.5,main\n" +
		"\n" +
		"2025-01-06T06:30:00+05:00,1,200,kazakh\n"
	obs, err := forecast.ParseCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 3 || obs[1].Calls != 51 || obs[1].HandleSeconds != 13770.5 {
		t.Fatalf("obs = %+v", obs)
	}
	if !obs[0].Start.Equal(time.Date(2025, 1, 6, 1, 0, 0, 0, time.UTC)) {
		t.Fatalf("start = %v", obs[0].Start)
	}
	// Columns in another order are found by name.
	obs, err = forecast.ParseCSV(strings.NewReader("calls,handle_seconds,interval_start\n3,540,2025-07-01T10:00:00Z\n"))
	if err != nil || len(obs) != 1 || obs[0].Calls != 3 {
		t.Fatalf("reordered: %+v, %v", obs, err)
	}
}

func TestParseCSVErrors(t *testing.T) {
	for name, in := range map[string]string{
		"empty":            "",
		"header only":      "interval_start,calls,handle_seconds\n",
		"missing column":   "interval_start,calls\n2025-01-06T06:00:00Z,1\n",
		"duplicate column": "interval_start,calls,calls,handle_seconds\n",
		"bad time":         "interval_start,calls,handle_seconds\n2025-01-06 06:00,1,100\n",
		"no zone":          "interval_start,calls,handle_seconds\n2025-01-06T06:00:00,1,100\n",
		"negative calls":   "interval_start,calls,handle_seconds\n2025-01-06T06:00:00Z,-1,100\n",
		"NaN handle":       "interval_start,calls,handle_seconds\n2025-01-06T06:00:00Z,1,NaN\n",
		"infinite calls":   "interval_start,calls,handle_seconds\n2025-01-06T06:00:00Z,+Inf,1\n",
		"short row":        "interval_start,calls,handle_seconds\n2025-01-06T06:00:00Z,1\n",
		"bad quote":        "interval_start,calls,handle_seconds\n\"2025-01-06T06:00:00Z,1,1\n",
		"text calls":       "interval_start,calls,handle_seconds\n2025-01-06T06:00:00Z,many,1\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := forecast.ParseCSV(strings.NewReader(in)); err == nil {
				t.Fatal("want error")
			}
		})
	}
	_, err := forecast.ParseCSV(strings.NewReader("interval_start,calls,handle_seconds\n2025-01-06T06:00:00Z,1,1\n2025-01-06T06:30:00Z,x,1\n"))
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("err = %v, want it to name line 3", err)
	}
}

func TestBuildOptionErrors(t *testing.T) {
	obs := []forecast.Observation{{Start: time.Date(2025, 1, 6, 6, 0, 0, 0, time.UTC), Calls: 1, HandleSeconds: 100}}
	for name, o := range map[string]forecast.Options{
		"zero interval":   {Month: 1},
		"7-min interval":  {Interval: 7 * time.Minute, Month: 1},
		"month 13":        {Interval: time.Hour, Month: 13},
		"negative width":  {Interval: time.Hour, Month: 1, SeasonWidth: -1},
		"negative growth": {Interval: time.Hour, Month: 1, Growth: -0.5},
		"odd history":     {Interval: time.Hour, Month: 1, HistoryInterval: 7 * time.Minute},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := forecast.Build(obs, o); err == nil {
				t.Fatal("want error")
			}
		})
	}
	if _, err := forecast.Build(nil, forecast.Options{Interval: time.Hour, Month: 1}); err == nil {
		t.Fatal("no history: want error")
	}
	noHandle := []forecast.Observation{{Start: obs[0].Start, Calls: 5}}
	if _, err := forecast.Build(noHandle, forecast.Options{Interval: time.Hour, HistoryInterval: time.Hour, Month: 1}); err == nil {
		t.Fatal("no handle time: want error")
	}
}

// FuzzParseCSV: any input either fails cleanly or yields observations with
// finite, non-negative figures.
func FuzzParseCSV(f *testing.F) {
	f.Add([]byte("interval_start,calls,handle_seconds\n2025-01-06T06:00:00+05:00,42,11340\n"))
	f.Add([]byte("calls,interval_start,handle_seconds\n1e3,2025-01-06T06:00:00Z,0\n"))
	f.Add([]byte("interval_start,calls,handle_seconds\n\"2025\",\"-0\",\"1\"\n"))
	f.Add([]byte("\ufeffinterval_start;calls;handle_seconds\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		obs, err := forecast.ParseCSV(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, o := range obs {
			if o.Calls < 0 || o.HandleSeconds < 0 || math.IsNaN(o.Calls+o.HandleSeconds) || math.IsInf(o.Calls+o.HandleSeconds, 0) || o.Start.IsZero() {
				t.Fatalf("invalid observation %+v", o)
			}
		}
	})
}

// csvOf renders observations in the import format.
func csvOf(obs []forecast.Observation) string {
	var b strings.Builder
	b.WriteString("interval_start,calls,handle_seconds\n")
	for _, o := range obs {
		fmt.Fprintf(&b, "%s,%g,%g\n", o.Start.Format(time.RFC3339), o.Calls, o.HandleSeconds)
	}
	return b.String()
}

func TestCSVRoundTrip(t *testing.T) {
	obs := history109()[:500]
	back, err := forecast.ParseCSV(strings.NewReader(csvOf(obs)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range obs {
		if !back[i].Start.Equal(obs[i].Start) || back[i].Calls != obs[i].Calls || back[i].HandleSeconds != obs[i].HandleSeconds {
			t.Fatalf("row %d: %+v != %+v", i, back[i], obs[i])
		}
	}
}

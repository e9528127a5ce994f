package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/staffing/shiftplan"
)

// testCLI mounts the staffing commands the way the root CLI does.
type testCLI struct {
	Globals
	Staffing staffingCmd `cmd:""`
	Shifts   shiftsCmd   `cmd:""`
}

// run parses args like the binary and runs the selected command, returning
// what it printed.
func run(tb testing.TB, args ...string) (string, error) {
	tb.Helper()
	var cli testCLI
	var out bytes.Buffer
	cli.Staffing.Erlang.out = &out
	cli.Shifts.Plan.out = &out
	cli.Shifts.Forecast.out = &out
	cli.Shifts.Forecast.now = func() time.Time { return time.Date(2025, time.January, 20, 12, 0, 0, 0, time.UTC) }
	return execute(tb, &cli, &cli.Globals, &out, args...)
}

func decode(tb testing.TB, s string) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		tb.Fatalf("output is not one JSON object: %v\n%s", err, s)
	}
	return m
}

func num(tb testing.TB, m map[string]any, key string) float64 {
	tb.Helper()
	v, ok := m[key].(float64)
	if !ok {
		tb.Fatalf("%q missing or not a number in %v", key, m)
	}
	return v
}

func TestErlangPublishedCheck(t *testing.T) {
	out, err := run(t, "staffing", "erlang", "--calls", "100", "--interval", "30m", "--aht", "180s",
		"--answer-within", "20s", "--service-level", "0.8", "--max-occupancy", "0.85", "--shrinkage", "0.3", "--json")
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, out)
	for key, want := range map[string]float64{
		"offered_load": 10, "agents": 14, "scheduled": 20, "service_level": 0.88835,
		"wait_probability": 0.17413, "occupancy": 0.71429, "asa_seconds": 7.836,
	} {
		if got := num(t, m, key); math.Abs(got-want) > 5e-4 {
			t.Errorf("%s = %v, want %v", key, got, want)
		}
	}
	if _, ok := m["abandon_probability"]; ok {
		t.Error("abandon_probability without --patience")
	}
}

func TestErlangA(t *testing.T) {
	out, err := run(t, "staffing", "erlang", "--calls", "100", "--interval", "30m", "--aht", "180s",
		"--patience", "300s", "--max-abandon", "0.05", "--json")
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, out)
	if m["model"] != "erlang-a" {
		t.Fatalf("model %v", m["model"])
	}
	if p := num(t, m, "abandon_probability"); p <= 0 || p > 0.05 {
		t.Fatalf("abandon_probability %v, want in (0, 0.05]", p)
	}
	if sl := num(t, m, "service_level"); sl < 0.8 {
		t.Fatalf("service_level %v below target", sl)
	}
}

func TestErlangGivenAgents(t *testing.T) {
	out, err := run(t, "staffing", "erlang", "--calls", "100", "--aht", "3m", "--agents", "12", "--json")
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, out)
	if num(t, m, "agents") != 12 || math.Abs(num(t, m, "service_level")-0.6402) > 5e-5 || m["target_met"] != false {
		t.Fatalf("got %v", m)
	}
	if num(t, m, "scheduled") != 18 { // ceil(12 / 0.7)
		t.Fatalf("scheduled %v, want 18", m["scheduled"])
	}
}

func TestErlangTable(t *testing.T) {
	out, err := run(t, "staffing", "erlang", "--calls", "100", "--aht", "180s")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"agents", "14", "scheduled", "20", "service level", "88.84 %", "ASA", "7.8 s"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestErlangBadInput(t *testing.T) {
	base := []string{"staffing", "erlang", "--aht", "180s"}
	out, err := run(t, "staffing", "erlang", "--aht", "180s", "--calls=-5")
	if err == nil || !strings.Contains(apperr.Message(err), "calls must not be negative") || apperr.Code(err) != apperr.Invalid {
		t.Fatalf("negative calls: err = %v (%s), want an invalid-input error", err, out)
	}
	for name, extra := range map[string][]string{
		"negative calls":   {"--calls=-5"},
		"SL above 1":       {"--calls", "100", "--service-level", "1.2"},
		"zero interval":    {"--calls", "100", "--interval", "0s"},
		"shrinkage 1":      {"--calls", "100", "--shrinkage", "1"},
		"negative agents":  {"--calls", "100", "--agents=-1"},
		"missing calls":    {},
		"not a duration":   {"--calls", "100", "--interval", "half an hour"},
		"occupancy over 1": {"--calls", "100", "--max-occupancy", "1.5"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := run(t, append(append([]string{}, base...), extra...)...); err == nil {
				t.Fatal("want error")
			}
		})
	}
}

func writeFile(tb testing.TB, name, content string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestShiftsPlanPublishedCheck3(t *testing.T) {
	demand := writeFile(t, "demand.json", `{"period_minutes": 60, "days": [[5,3,3,3,3,3,5,8,12,13,13,13,12,12,12,12,12,10,9,8,6,6,5,5]]}`)
	out, err := run(t, "shifts", "plan", "--demand", demand,
		"--pattern", "Early=06:00+8h", "--pattern", "Day=09:00+8h", "--pattern", "Late=13:00+8h", "--pattern", "Night=21:00+9h", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var res planJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	ops := 0
	for _, s := range res.Shifts {
		ops += s.Count
	}
	if ops != 30 || res.OperatorHours != 246 || res.LowerBound != 246 || res.Gap != 0 || len(res.Coverage) != 1 || len(res.Coverage[0]) != 24 {
		t.Fatalf("plan %+v", res)
	}
	// The published keys are there by name.
	m := decode(t, out)
	for _, k := range []string{"operator_hours", "lower_bound", "gap", "shifts", "coverage"} {
		if _, ok := m[k]; !ok {
			t.Errorf("missing %q", k)
		}
	}
	s0 := m["shifts"].([]any)[0].(map[string]any)
	for _, k := range []string{"day", "start", "hours", "count"} {
		if _, ok := s0[k]; !ok {
			t.Errorf("shift lacks %q: %v", k, s0)
		}
	}
}

// weekDemand renders a weekly demand file of 30-minute periods.
func weekDemand() string {
	var rows []string
	for d := range 7 {
		var row []string
		for p := range 48 {
			h := float64(p) / 2
			v := 2 + int(10*math.Exp(-math.Pow((h-11)/4, 2))+6*math.Exp(-math.Pow((h-18)/2, 2))) + d%2
			row = append(row, fmt.Sprint(v))
		}
		rows = append(rows, "["+strings.Join(row, ",")+"]")
	}
	return `{"period_minutes": 30, "days": [` + strings.Join(rows, ",") + `]}`
}

func TestShiftsPlanWeek(t *testing.T) {
	demand := writeFile(t, "week.json", weekDemand())
	out, err := run(t, "shifts", "plan", "--demand", demand, "--lengths", "8h,12h", "--breaks", "30m@2h-6h", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var res planJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.OperatorHours < res.LowerBound || len(res.Coverage) != 7 || len(res.Coverage[0]) != 48 {
		t.Fatalf("hours %v bound %v coverage %dx%d", res.OperatorHours, res.LowerBound, len(res.Coverage), len(res.Coverage[0]))
	}
	breaks := 0
	for _, s := range res.Shifts {
		for _, b := range s.Breaks {
			breaks += b.Count
			if b.Minutes != 30 {
				t.Fatalf("break of %v minutes", b.Minutes)
			}
		}
	}
	if breaks == 0 {
		t.Fatal("no breaks placed")
	}
	// Limited start times, readable output.
	out, err = run(t, "shifts", "plan", "--demand", demand, "--starts", "06:00,08:00,14:00,20:00", "--max-starts", "3")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "operator-hours") || !strings.Contains(out, "Mon") {
		t.Fatalf("readable output:\n%s", out)
	}
}

func TestShiftsPlanInfeasibleKeepsCause(t *testing.T) {
	demand := writeFile(t, "flat.json", `{"period_minutes": 60, "days": [[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]]}`)
	_, err := run(t, "shifts", "plan", "--demand", demand, "--lengths", "8h", "--starts", "00:00,08:00,16:00", "--max-per-shift", "0", "--seats", "0", "--max-starts", "2")
	if !errors.Is(err, shiftplan.ErrInfeasible) || apperr.Code(err) != apperr.Invalid {
		t.Fatalf("err = %v, want ErrInfeasible as invalid input", err)
	}
}

func TestShiftsPlanBadInput(t *testing.T) {
	good := writeFile(t, "good.json", `{"period_minutes": 60, "days": [[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]]}`)
	for name, args := range map[string][]string{
		"missing file":       {"--demand", filepath.Join(t.TempDir(), "none.json")},
		"not JSON":           {"--demand", writeFile(t, "bad.json", "period_minutes: 60")},
		"short row":          {"--demand", writeFile(t, "short.json", `{"period_minutes": 60, "days": [[1,2,3]]}`)},
		"eight days":         {"--demand", writeFile(t, "eight.json", `{"period_minutes": 1440, "days": [[1],[1],[1],[1],[1],[1],[1],[1]]}`)},
		"negative need":      {"--demand", writeFile(t, "neg.json", `{"period_minutes": 1440, "days": [[-1]]}`)},
		"bad start":          {"--demand", good, "--starts", "25:00"},
		"bad pattern":        {"--demand", good, "--pattern", "early 06:00"},
		"bad break":          {"--demand", good, "--breaks", "30m"},
		"break finer period": {"--demand", good, "--breaks", "30m@2h-5h"},
		"length off grid":    {"--demand", good, "--lengths", "7h30m"},
		"infeasible":         {"--demand", good, "--lengths", "8h", "--max-starts", "1"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := run(t, append([]string{"shifts", "plan"}, args...)...)
			if apperr.Code(err) != apperr.Invalid {
				t.Fatalf("err = %v, want an invalid-input error", err)
			}
		})
	}
}

// historyCSV renders four weeks of half-hourly history in January.
func historyCSV() string {
	var b strings.Builder
	b.WriteString("interval_start,calls,handle_seconds\n")
	start := time.Date(2025, time.January, 6, 0, 0, 0, 0, time.FixedZone("", 5*3600))
	for i := range 28 * 48 {
		t := start.Add(time.Duration(i) * 30 * time.Minute)
		h := float64(t.Hour()) + float64(t.Minute())/60
		calls := 3 + int(25*math.Exp(-math.Pow((h-7)/1.2, 2))+8*math.Exp(-math.Pow((h-14)/4, 2)))
		fmt.Fprintf(&b, "%s,%d,%d\n", t.Format(time.RFC3339), calls, calls*280)
	}
	return b.String()
}

func TestShiftsForecastThenPlan(t *testing.T) {
	csvPath := writeFile(t, "history.csv", historyCSV())
	demandPath := filepath.Join(t.TempDir(), "demand.json")
	out, err := run(t, "shifts", "forecast", "--csv", csvPath, "--month", "1", "--out", demandPath, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var d demandJSON
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if d.PeriodMinutes != 30 || len(d.Days) != 7 || len(d.Days[0]) != 48 || math.Abs(d.MeanHandleSeconds-280) > 1e-6 {
		t.Fatalf("demand %dx? period %d handle %v", len(d.Days), d.PeriodMinutes, d.MeanHandleSeconds)
	}
	// 06:30-07:30 is the busiest stretch of the history.
	if d.Days[0][14] <= d.Days[0][4] {
		t.Fatalf("07:00 needs %d, 02:00 needs %d", d.Days[0][14], d.Days[0][4])
	}
	out, err = run(t, "shifts", "plan", "--demand", demandPath, "--json")
	if err != nil {
		t.Fatal(err)
	}
	if res := decode(t, out); num(t, res, "operator_hours") < num(t, res, "lower_bound") {
		t.Fatalf("plan below bound: %v", res)
	}
	// Readable form and the default month (January from the test clock).
	out, err = run(t, "shifts", "forecast", "--csv", csvPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "January forecast") || !strings.Contains(out, "07:00") {
		t.Fatalf("readable output:\n%s", out)
	}
}

func TestShiftsForecastBadInput(t *testing.T) {
	csvPath := writeFile(t, "history.csv", historyCSV())
	for name, args := range map[string][]string{
		"missing csv":  {"--csv", filepath.Join(t.TempDir(), "none.csv")},
		"bad csv":      {"--csv", writeFile(t, "bad.csv", "when,calls\n")},
		"month 13":     {"--csv", csvPath, "--month", "13"},
		"bad zone":     {"--csv", csvPath, "--tz", "Mars/Olympus"},
		"finer grid":   {"--csv", csvPath, "--interval", "15m"},
		"odd interval": {"--csv", csvPath, "--interval", "7m"},
		"SL above 1":   {"--csv", csvPath, "--service-level", "2"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := run(t, append([]string{"shifts", "forecast"}, args...)...)
			if apperr.Code(err) != apperr.Invalid {
				t.Fatalf("err = %v, want an invalid-input error", err)
			}
		})
	}
}

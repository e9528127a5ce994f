package shiftplan

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestParseDemand(t *testing.T) {
	d, err := ParseDemand(strings.NewReader(`{"period_minutes": 60, "days": [[0,0,0,0,0,0,1,2,3,3,3,3,3,3,3,3,3,3,2,2,1,1,0,0]], "month": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	if d.PeriodsPerDay() != 24 || d.Days[0][8] != 3 {
		t.Fatalf("demand %+v", d)
	}
}

func TestParseDemandErrors(t *testing.T) {
	day := func(n int) string { return "[" + strings.TrimSuffix(strings.Repeat("1,", n), ",") + "]" }
	for name, in := range map[string]string{
		"empty":             ``,
		"not an object":     `[1,2,3]`,
		"no period":         `{"days": [` + day(24) + `]}`,
		"period 7":          `{"period_minutes": 7, "days": [` + day(205) + `]}`,
		"negative period":   `{"period_minutes": -60, "days": []}`,
		"no days":           `{"period_minutes": 60, "days": []}`,
		"eight days":        `{"period_minutes": 1440, "days": [[1],[1],[1],[1],[1],[1],[1],[1]]}`,
		"short day":         `{"period_minutes": 60, "days": [` + day(23) + `]}`,
		"fraction":          `{"period_minutes": 60, "days": [[1.5` + strings.Repeat(",1", 23) + `]]}`,
		"negative need":     `{"period_minutes": 1440, "days": [[-1]]}`,
		"huge need":         `{"period_minutes": 1440, "days": [[1000000000]]}`,
		"string need":       `{"period_minutes": 1440, "days": [["3"]]}`,
		"trailing data":     `{"period_minutes": 1440, "days": [[1]]} {}`,
		"truncated":         `{"period_minutes": 1440, "days": [[1]`,
		"period not number": `{"period_minutes": "60", "days": [[1]]}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseDemand(strings.NewReader(in)); err == nil {
				t.Fatal("want error")
			}
		})
	}
	big := bytes.Repeat([]byte(" "), MaxDemandBytes+1)
	if _, err := ParseDemand(bytes.NewReader(big)); err == nil {
		t.Fatal("oversized document: want error")
	}
}

// FuzzParseDemand: any input is refused or yields a demand that Validate
// accepts and the planner can take without panicking.
func FuzzParseDemand(f *testing.F) {
	f.Add([]byte(`{"period_minutes": 1440, "days": [[3]]}`))
	f.Add([]byte(`{"period_minutes": 720, "days": [[1,2],[0,0]]}`))
	f.Add([]byte(`{"period_minutes": 480, "days": [[1,0,2]], "x": null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDemand(bytes.NewReader(data))
		if err != nil {
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("parsed demand fails validation: %v", err)
		}
		// Keep the planner cheap: only tiny demands.
		if d.PeriodsPerDay()*len(d.Days) > 12 {
			return
		}
		for _, row := range d.Days {
			for _, v := range row {
				if v > 50 {
					return
				}
			}
		}
		plan, err := Solve(d, Options{Lengths: []time.Duration{time.Duration(d.PeriodMinutes) * time.Minute}})
		if err == nil {
			assertCovers(t, d, plan)
		}
	})
}

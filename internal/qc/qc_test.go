package qc

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
)

func TestFormTotal(t *testing.T) {
	f := DefaultForm() // weights 1, 2, 2, 3; max 5
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		scores map[string]float64
		want   float64
		code   string
	}{
		{"all full marks", map[string]float64{"greeting": 5, "politeness": 5, "category": 5, "resolution": 5}, 100, ""},
		{"weights count", map[string]float64{"greeting": 5, "politeness": 0, "category": 0, "resolution": 5}, 50, ""},
		{"partial", map[string]float64{"greeting": 0, "politeness": 5, "category": 2.5, "resolution": 0}, 37.5, ""},
		{"missing criterion", map[string]float64{"greeting": 5}, 0, apperr.Invalid},
		{"above max", map[string]float64{"greeting": 6, "politeness": 5, "category": 5, "resolution": 5}, 0, apperr.Invalid},
		{"unknown criterion", map[string]float64{"greeting": 5, "politeness": 5, "category": 5, "resolution": 5, "x": 1}, 0, apperr.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.Total(tc.scores)
			if apperr.Code(err) != tc.code || got != tc.want {
				t.Fatalf("Total = %v, %v; want %v, code %q", got, err, tc.want, tc.code)
			}
		})
	}
	for _, bad := range []Form{{}, {Name: "x"}, {Name: "x", Criteria: []Criterion{{Code: "a", Weight: 0, Max: 1}}},
		{Name: "x", Criteria: []Criterion{{Code: "a", Weight: 1, Max: 1}, {Code: "a", Weight: 1, Max: 1}}}} {
		if apperr.Code(bad.Validate()) != apperr.Invalid {
			t.Errorf("form %+v accepted", bad)
		}
	}
}

func TestWeeks(t *testing.T) {
	w, err := ParseWeek("2026-W48")
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Start(time.UTC); !got.Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("2026-W48 starts %v", got)
	}
	if got := (Week{2026, 1}).Start(time.UTC); !got.Equal(time.Date(2025, 12, 29, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("2026-W01 starts %v", got)
	}
	for _, bad := range []string{"2026-48", "2026-W0", "2026-W54", "2025-W53", "x"} {
		if _, err := ParseWeek(bad); err == nil {
			t.Errorf("ParseWeek(%q) accepted", bad)
		}
	}
	if _, err := ParseWeek("2026-W53"); err != nil {
		t.Errorf("2026 has 53 weeks: %v", err)
	}
}

func TestPick(t *testing.T) {
	var calls []AnsweredCall
	for i := range 40 {
		calls = append(calls, AnsweredCall{CallID: int64(100 + i), Operator: "aigerim"})
	}
	for i := range 7 {
		calls = append(calls, AnsweredCall{CallID: int64(500 + i), Operator: "daniyar"})
	}
	a, err := Pick(calls, 0.25, 42)
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, c := range a {
		per[c.Operator]++
	}
	if per["aigerim"] != 10 || per["daniyar"] != 2 {
		t.Fatalf("picked per operator %v, want aigerim 10 (25%% of 40), daniyar 2 (ceil of 1.75)", per)
	}
	shuffled := append([]AnsweredCall(nil), calls...)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	b, _ := Pick(shuffled, 0.25, 42)
	if ids(a) != ids(b) {
		t.Fatalf("the same seed picked differently: %v vs %v", ids(a), ids(b))
	}
	c, _ := Pick(calls, 0.25, 43)
	if ids(a) == ids(c) {
		t.Fatal("another seed picked the same calls")
	}
	if _, err := Pick(calls, 0, 1); apperr.Code(err) != apperr.Invalid {
		t.Fatal("share 0 accepted")
	}
}

func ids(cs []AnsweredCall) string {
	var out []int64
	for _, c := range cs {
		out = append(out, c.CallID)
	}
	slices.Sort(out)
	return fmt.Sprint(out)
}

func TestCutoff(t *testing.T) {
	now := time.Date(2026, 8, 31, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"6mo":   time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC), // AddDate normalises 31 Feb
		"180d":  now.AddDate(0, 0, -180),
		"2w":    now.AddDate(0, 0, -14),
		"1y":    now.AddDate(-1, 0, 0),
		"4320h": now.Add(-4320 * time.Hour),
	} {
		got, err := Cutoff(now, in)
		if err != nil || !got.Equal(want) {
			t.Errorf("Cutoff(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0d", "-3mo", "six months", "-1h"} {
		if _, err := Cutoff(now, bad); apperr.Code(err) != apperr.Invalid {
			t.Errorf("Cutoff(%q) accepted", bad)
		}
	}
}

package staffing

import (
	"errors"
	"math"
	"testing"
	"time"
)

func near(tb testing.TB, what string, got, want, tol float64) {
	tb.Helper()
	if math.Abs(got-want) > tol {
		tb.Errorf("%s = %.6f, want %.6f (±%g)", what, got, want, tol)
	}
}

// check1 is published check 1 of docs/staffing.md (pyworkforce docs):
// 100 calls in 30 min, h = 180 s, t = 20 s, SL 80 %, occupancy <= 85 %.
var (
	check1Traffic = Traffic{Calls: 100, Interval: 30 * time.Minute, AHT: 180 * time.Second}
	check1Target  = Target{ServiceLevel: 0.8, AnswerWithin: 20 * time.Second, MaxOccupancy: 0.85}
)

func TestPublishedCheck1(t *testing.T) {
	m, err := Required(check1Traffic, check1Target)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "offered load", m.OfferedLoad, 10, 1e-12)
	if m.Agents != 14 {
		t.Fatalf("agents = %d, want 14", m.Agents)
	}
	sched, err := Scheduled(m.Agents, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	if sched != 20 {
		t.Errorf("scheduled = %d, want 20", sched)
	}
	near(t, "service level", m.ServiceLevel, 0.88835, 5e-6)
	near(t, "P(wait)", m.WaitProbability, 0.17413, 5e-6)
	near(t, "occupancy", m.Occupancy, 0.71429, 5e-6)
	near(t, "ASA seconds", m.ASA.Seconds(), 7.836, 5e-4)
	near(t, "mean wait", m.MeanWait.Seconds(), m.ASA.Seconds(), 1e-9)
	if m.Model != ErlangCModel {
		t.Errorf("model = %q, want %q", m.Model, ErlangCModel)
	}
}

func TestPublishedCheck2(t *testing.T) {
	for _, c := range []struct {
		agents int
		sl     float64
	}{{11, 0.3896}, {12, 0.6402}, {13, 0.7956}} {
		m, err := Evaluate(check1Traffic, c.agents, 20*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		near(t, "SL", m.ServiceLevel, c.sl, 5e-5)
	}
}

// TestPublishedCheck3 reproduces the 24 hourly positions of check 3.
func TestPublishedCheck3(t *testing.T) {
	got, total := check3Positions(t)
	want := []int{5, 3, 3, 3, 3, 3, 5, 8, 12, 13, 13, 13, 12, 12, 12, 12, 12, 10, 9, 8, 6, 6, 5, 5}
	for h := range want {
		if got[h] != want[h] {
			t.Errorf("hour %02d: scheduled %d, want %d", h, got[h], want[h])
		}
	}
	if total != 193 {
		t.Errorf("total = %d, want 193", total)
	}
}

// Check3Calls are the hourly calls of published check 3.
var check3Calls = []float64{12, 8, 6, 5, 5, 8, 20, 45, 70, 85, 90, 88, 80, 78, 82, 80, 70, 60, 48, 40, 32, 26, 20, 15}

func check3Positions(tb testing.TB) ([]int, int) {
	tb.Helper()
	tg := Target{ServiceLevel: 0.8, AnswerWithin: 20 * time.Second, MaxOccupancy: 0.85}
	var out []int
	total := 0
	for _, calls := range check3Calls {
		m, err := Required(Traffic{Calls: calls, Interval: time.Hour, AHT: 240 * time.Second}, tg)
		if err != nil {
			tb.Fatal(err)
		}
		s, err := Scheduled(m.Agents, 0.3)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, s)
		total += s
	}
	return out, total
}

// TestErlangBLoopBounds pins the recursion to k = 1..N inclusive. A loop
// that stops at N-1 yields C(14, 10) from B(13, 10), i.e. P(wait) 0.2438
// for check 1 instead of 0.17413.
func TestErlangBLoopBounds(t *testing.T) {
	near(t, "B(0)", ErlangB(10, 0), 1, 0)
	near(t, "B(1)", ErlangB(10, 1), 10.0/11, 1e-15)
	// B(2) = A²/2 / (1 + A + A²/2)
	near(t, "B(2)", ErlangB(10, 2), 50.0/61, 1e-15)
	near(t, "C(14, 10)", ErlangC(10, 14), 0.17413, 5e-6)
	short := erlangCFromB(10, 14, ErlangB(10, 13))
	near(t, "C from a loop one step short", short, 0.2438, 5e-5)
	if math.Abs(short-ErlangC(10, 14)) < 0.05 {
		t.Fatal("one-step-short recursion must be distinguishable")
	}
}

// TestErlangBClosedForm compares the recursion with A^N/N! / Σ A^k/k! where
// the closed form is still representable.
func TestErlangBClosedForm(t *testing.T) {
	for _, a := range []float64{0.5, 3, 10, 42.5} {
		for n := 0; n <= 60; n++ {
			term, sum := 1.0, 1.0
			for k := 1; k <= n; k++ {
				term *= a / float64(k)
				sum += term
			}
			near(t, "ErlangB", ErlangB(a, n), term/sum, 1e-12)
		}
	}
}

func TestErlangLargeScale(t *testing.T) {
	// Thousands of agents: the recursion stays finite and the required
	// count sits just above the load (square-root staffing regime).
	tr := Traffic{Calls: 40000, Interval: time.Hour, AHT: 180 * time.Second} // A = 2000
	m, err := Required(tr, Target{ServiceLevel: 0.8, AnswerWithin: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if m.Agents <= 2000 || m.Agents > 2000+3*int(math.Sqrt(2000)) {
		t.Fatalf("agents = %d, want in (2000, 2134]", m.Agents)
	}
	if b := ErlangB(2000, 5000); b != 0 && (math.IsNaN(b) || b < 0) {
		t.Fatalf("B(5000, 2000) = %v", b)
	}
	if c := ErlangC(2000, m.Agents); math.IsNaN(c) || c <= 0 || c >= 1 {
		t.Fatalf("C = %v", c)
	}
	// One agent fewer must fail: the scan returns the smallest count.
	prev, err := Evaluate(tr, m.Agents-1, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if prev.ServiceLevel >= 0.8 {
		t.Fatalf("%d agents already reach SL %.4f", m.Agents-1, prev.ServiceLevel)
	}
}

func TestErlangCOverload(t *testing.T) {
	if c := ErlangC(10, 10); c != 1 {
		t.Fatalf("C(10, 10) = %v, want 1", c)
	}
	m, err := Evaluate(check1Traffic, 9, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if m.ServiceLevel != 0 || m.WaitProbability != 1 || m.Occupancy != 1 {
		t.Fatalf("overloaded metrics = %+v", m)
	}
}

func TestScheduled(t *testing.T) {
	for _, c := range []struct {
		agents    int
		shrinkage float64
		want      int
	}{{14, 0.3, 20}, {7, 0.3, 10}, {15, 0.3, 22}, {0, 0.3, 0}, {10, 0, 10}, {3, 0.25, 4}, {1, 0.5, 2}} {
		got, err := Scheduled(c.agents, c.shrinkage)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("Scheduled(%d, %v) = %d, want %d", c.agents, c.shrinkage, got, c.want)
		}
	}
	for _, s := range []float64{-0.1, 1, 1.5, math.NaN()} {
		if _, err := Scheduled(10, s); err == nil {
			t.Errorf("Scheduled(10, %v): want error", s)
		}
	}
}

func TestRequiredCriteria(t *testing.T) {
	t.Run("occupancy binds", func(t *testing.T) {
		// SL 0 % but at most 50 % occupancy: N = 20 for A = 10.
		m, err := Required(check1Traffic, Target{MaxOccupancy: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		if m.Agents != 20 {
			t.Fatalf("agents = %d, want 20", m.Agents)
		}
	})
	t.Run("ASA binds", func(t *testing.T) {
		m, err := Required(check1Traffic, Target{MaxASA: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if m.ASA > 2*time.Second {
			t.Fatalf("ASA = %v", m.ASA)
		}
		less, _ := Evaluate(check1Traffic, m.Agents-1, 0)
		if less.ASA <= 2*time.Second {
			t.Fatalf("%d agents already give ASA %v", m.Agents-1, less.ASA)
		}
	})
	t.Run("no calls need no agents", func(t *testing.T) {
		m, err := Required(Traffic{Interval: time.Hour, AHT: time.Minute}, check1Target)
		if err != nil || m.Agents != 0 || m.ServiceLevel != 1 {
			t.Fatalf("m = %+v, err = %v", m, err)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		// 0.1 % occupancy at A = 10 asks for 10,000 agents, beyond the
		// search bound.
		_, err := Required(check1Traffic, Target{MaxOccupancy: 0.001})
		if !errors.Is(err, ErrUnreachable) {
			t.Fatalf("err = %v, want ErrUnreachable", err)
		}
	})
}

func TestValidation(t *testing.T) {
	bad := []struct {
		name string
		tr   Traffic
		tg   Target
	}{
		{"negative calls", Traffic{Calls: -1, Interval: time.Hour, AHT: time.Minute}, Target{}},
		{"zero interval", Traffic{Calls: 1, AHT: time.Minute}, Target{}},
		{"zero AHT", Traffic{Calls: 1, Interval: time.Hour}, Target{}},
		{"NaN calls", Traffic{Calls: math.NaN(), Interval: time.Hour, AHT: time.Minute}, Target{}},
		{"negative patience", Traffic{Calls: 1, Interval: time.Hour, AHT: time.Minute, Patience: -time.Second}, Target{}},
		{"SL above 1", check1Traffic, Target{ServiceLevel: 1.2}},
		{"negative SL", check1Traffic, Target{ServiceLevel: -0.1}},
		{"occupancy above 1", check1Traffic, Target{MaxOccupancy: 1.01}},
		{"abandon above 1", check1Traffic, Target{MaxAbandon: 2}},
		{"negative threshold", check1Traffic, Target{ServiceLevel: 0.8, AnswerWithin: -time.Second}},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Required(c.tr, c.tg); err == nil {
				t.Fatal("want error")
			}
		})
	}
	if _, err := Evaluate(check1Traffic, -1, 0); err == nil {
		t.Fatal("negative agents: want error")
	}
}

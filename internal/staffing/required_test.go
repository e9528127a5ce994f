package staffing

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestRequiredMonotoneInDemand is a property test over random instances
// (fixed seed): more calls, or a longer handle time, never needs fewer
// agents, under Erlang C and Erlang A alike.
func TestRequiredMonotoneInDemand(t *testing.T) {
	rng := rand.New(rand.NewPCG(109, 2024))
	for i := range 300 {
		tr := Traffic{
			Calls:    float64(rng.IntN(600)),
			Interval: []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour}[rng.IntN(3)],
			AHT:      time.Duration(30+rng.IntN(570)) * time.Second,
		}
		if i%2 == 1 {
			tr.Patience = time.Duration(20+rng.IntN(600)) * time.Second
		}
		tg := Target{
			ServiceLevel: 0.5 + 0.45*rng.Float64(),
			AnswerWithin: time.Duration(rng.IntN(60)) * time.Second,
		}
		if rng.IntN(2) == 0 {
			tg.MaxOccupancy = 0.7 + 0.25*rng.Float64()
		}
		if rng.IntN(3) == 0 {
			tg.MaxASA = time.Duration(5+rng.IntN(60)) * time.Second
		}
		if tr.Patience > 0 && rng.IntN(2) == 0 {
			tg.MaxAbandon = 0.01 + 0.1*rng.Float64()
		}
		base := mustRequired(t, tr, tg)

		more := tr
		more.Calls += float64(1 + rng.IntN(50))
		if got := mustRequired(t, more, tg); got.Agents < base.Agents {
			t.Fatalf("%+v %+v: %d agents, but %d with more calls (%v)", tr, tg, base.Agents, got.Agents, more.Calls)
		}
		longer := tr
		longer.AHT += time.Duration(1+rng.IntN(60)) * time.Second
		if got := mustRequired(t, longer, tg); got.Agents < base.Agents {
			t.Fatalf("%+v %+v: %d agents, but %d with longer handle time (%v)", tr, tg, base.Agents, got.Agents, longer.AHT)
		}
	}
}

func mustRequired(tb testing.TB, tr Traffic, tg Target) Metrics {
	tb.Helper()
	m, err := Required(tr, tg)
	if err != nil {
		tb.Fatalf("Required(%+v, %+v): %v", tr, tg, err)
	}
	return m
}

func BenchmarkRequiredErlangC(b *testing.B) {
	tr := Traffic{Calls: 40000, Interval: time.Hour, AHT: 180 * time.Second}
	for b.Loop() {
		mustRequired(b, tr, check1Target)
	}
}

func BenchmarkRequiredErlangA(b *testing.B) {
	tr := Traffic{Calls: 40000, Interval: time.Hour, AHT: 180 * time.Second, Patience: 240 * time.Second}
	for b.Loop() {
		mustRequired(b, tr, check1Target)
	}
}

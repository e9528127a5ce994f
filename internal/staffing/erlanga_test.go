package staffing

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func evalA(tb testing.TB, load float64, agents int, aht, patience, within float64) Metrics {
	tb.Helper()
	tr := Traffic{
		Calls:    load * 3600 / aht,
		Interval: time.Hour,
		AHT:      seconds(aht),
		Patience: seconds(patience),
	}
	m, err := Evaluate(tr, agents, seconds(within))
	if err != nil {
		tb.Fatal(err)
	}
	if m.Model != ErlangAModel {
		tb.Fatalf("model = %q, want %q", m.Model, ErlangAModel)
	}
	return m
}

// TestErlangAPoissonIdentity: with patience equal to the handle time
// (θ = μ) every state k of the M/M/N+M chain leaves at rate k·μ, exactly
// the M/M/∞ chain, so the number of callers in the system is Poisson(A).
// Then P(wait) = P(X >= N), Lq = E[(X-N)+], P(abandon) = E[(X-N)+]/A and
// occupancy = E[min(X, N)]/N, computed here from the Poisson law directly.
func TestErlangAPoissonIdentity(t *testing.T) {
	for _, c := range []struct {
		load   float64
		agents int
	}{{10, 8}, {10, 12}, {3.5, 2}, {150, 140}, {1500, 1480}} {
		m := evalA(t, c.load, c.agents, 200, 200, 0)
		var pWait, excess, busy float64
		// Poisson pmf by log terms to stay finite at large loads.
		for k := 0; k < int(c.load+60*math.Sqrt(c.load)+60); k++ {
			lg, _ := math.Lgamma(float64(k + 1))
			p := math.Exp(-c.load + float64(k)*math.Log(c.load) - lg)
			if k >= c.agents {
				pWait += p
				excess += float64(k-c.agents) * p
			}
			busy += float64(min(k, c.agents)) * p
		}
		near(t, "P(wait)", m.WaitProbability, pWait, 1e-9)
		near(t, "P(abandon)", m.AbandonProbability, excess/c.load, 1e-9)
		near(t, "occupancy", m.Occupancy, busy/float64(c.agents), 1e-9)
		// With t = 0 only calls answered at once count.
		near(t, "SL(t=0)", m.ServiceLevel, 1-pWait, 1e-9)
	}
}

// TestErlangALimitC: as patience grows without bound nobody abandons and
// Erlang A tends to Erlang C; published check 1 must come back.
func TestErlangALimitC(t *testing.T) {
	m := evalA(t, 10, 14, 180, 1e9, 20)
	near(t, "SL", m.ServiceLevel, 0.88835, 5e-6)
	near(t, "P(wait)", m.WaitProbability, 0.17413, 5e-6)
	near(t, "occupancy", m.Occupancy, 0.71429, 5e-6)
	near(t, "ASA", m.ASA.Seconds(), 7.836, 5e-4)
	near(t, "P(abandon)", m.AbandonProbability, 0, 1e-6)
}

// TestErlangALimitB: as patience shrinks to nothing, a caller who finds
// every agent busy leaves at once: P(abandon) tends to Erlang B.
func TestErlangALimitB(t *testing.T) {
	for _, n := range []int{5, 10, 14} {
		m := evalA(t, 10, n, 180, 1e-6, 20)
		near(t, "P(abandon)", m.AbandonProbability, ErlangB(10, n), 1e-6)
		near(t, "SL", m.ServiceLevel, 1-ErlangB(10, n), 1e-6)
	}
}

// TestErlangAConservation: every offered call is either answered or
// abandons, so the answered share from the caller's-eye recursion must
// equal 1 - θ·Lq/λ from the stationary law.
func TestErlangAConservation(t *testing.T) {
	for _, c := range []struct {
		load     float64
		agents   int
		patience float64
	}{{10, 9, 120}, {10, 14, 300}, {50, 40, 60}, {800, 700, 600}} {
		ch, err := newChainA(c.load, c.agents, 180, c.patience)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := ch.served()
		answered := ch.free
		for j, q := range ch.queue {
			answered += q * p[j]
		}
		pAb := ch.meanQueue() * 180 / c.patience / c.load
		near(t, "answered + abandoned", answered+pAb, 1, 1e-9)
		// Answered within a very long threshold is every answered call.
		near(t, "SL(∞)", ch.answeredWithin(1e6), answered, 1e-9)
		// Little's law: mean wait over all calls = Lq/λ = P(abandon)·τ.
		m := evalA(t, c.load, c.agents, 180, c.patience, 20)
		near(t, "mean wait", m.MeanWait.Seconds(), m.AbandonProbability*c.patience, 1e-6)
	}
}

// TestErlangASimulation checks the definitions (in particular SL =
// answered within t / offered and ASA over answered calls) against a
// discrete-event simulation of M/M/N+M with a fixed seed.
func TestErlangASimulation(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation")
	}
	const (
		load, aht, patience, within = 10.0, 180.0, 300.0, 20.0
		agents                      = 11
	)
	m := evalA(t, load, agents, aht, patience, within)
	s := simulateMMNM(load/aht, 1/aht, 1/patience, agents, within, 1_000_000, 7)
	near(t, "SL", m.ServiceLevel, s.sl, 0.006)
	near(t, "P(abandon)", m.AbandonProbability, s.abandon, 0.004)
	near(t, "P(wait)", m.WaitProbability, s.wait, 0.006)
	near(t, "ASA", m.ASA.Seconds(), s.asa, 0.6)
	t.Logf("model SL %.4f P(ab) %.4f P(wait) %.4f ASA %.2fs; simulated %.4f %.4f %.4f %.2fs",
		m.ServiceLevel, m.AbandonProbability, m.WaitProbability, m.ASA.Seconds(), s.sl, s.abandon, s.wait, s.asa)
}

type simResult struct{ sl, abandon, wait, asa float64 }

type floatHeap []float64

func (h floatHeap) Len() int           { return len(h) }
func (h floatHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h floatHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *floatHeap) Push(x any)        { *h = append(*h, x.(float64)) }
func (h *floatHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// simulateMMNM runs FCFS M/M/N+M. Callers are processed in arrival order:
// a caller's fate depends only on earlier callers, and the next agent to
// free up takes the first caller still waiting.
func simulateMMNM(lambda, mu, theta float64, agents int, within float64, calls int, seed uint64) simResult {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	free := make(floatHeap, agents)
	heap.Init(&free)
	var now float64
	var inSL, abandoned, waited, answered int
	var waitSum float64
	warm := calls / 50
	for i := 0; i < calls+warm; i++ {
		now += rng.ExpFloat64() / lambda
		patience := rng.ExpFloat64() / theta
		service := rng.ExpFloat64() / mu
		f := free[0]
		count := i >= warm
		switch {
		case f <= now:
			heap.Pop(&free)
			heap.Push(&free, now+service)
			if count {
				inSL++
				answered++
			}
		case f-now <= patience:
			heap.Pop(&free)
			heap.Push(&free, f+service)
			if count {
				waited++
				answered++
				waitSum += f - now
				if f-now <= within {
					inSL++
				}
			}
		default:
			if count {
				waited++
				abandoned++
			}
		}
	}
	n := float64(calls)
	return simResult{
		sl:      float64(inSL) / n,
		abandon: float64(abandoned) / n,
		wait:    float64(waited) / n,
		asa:     waitSum / float64(answered),
	}
}

// TestErlangAMonotone: adding agents never lowers the service level and
// never raises abandonment, ASA or occupancy. Required's bisection relies
// on it.
func TestErlangAMonotone(t *testing.T) {
	for _, load := range []float64{0.4, 3, 10, 57.5} {
		prev := evalA(t, load, 1, 240, 90, 20)
		for n := 2; n <= int(2*load)+10; n++ {
			m := evalA(t, load, n, 240, 90, 20)
			if m.ServiceLevel < prev.ServiceLevel-1e-12 || m.AbandonProbability > prev.AbandonProbability+1e-12 ||
				m.ASA > prev.ASA+time.Microsecond || m.Occupancy > prev.Occupancy+1e-12 {
				t.Fatalf("A=%v: not monotone from %d to %d agents: %+v -> %+v", load, n-1, n, prev, m)
			}
			prev = m
		}
	}
}

func TestErlangAScale(t *testing.T) {
	// Thousands of agents, below and above the load, and deep overload.
	for _, c := range []struct {
		load   float64
		agents int
	}{{2000, 1900}, {2000, 2100}, {5000, 3000}, {3, 400}} {
		start := time.Now()
		m := evalA(t, c.load, c.agents, 180, 240, 20)
		for _, v := range []float64{m.ServiceLevel, m.AbandonProbability, m.WaitProbability, m.Occupancy} {
			if math.IsNaN(v) || v < 0 || v > 1 {
				t.Fatalf("A=%v N=%d: metrics out of range: %+v", c.load, c.agents, m)
			}
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("A=%v N=%d took %v", c.load, c.agents, d)
		}
	}
	// Far overload: about 1 - N/A of the calls abandon.
	m := evalA(t, 5000, 3000, 180, 240, 20)
	near(t, "P(abandon) in overload", m.AbandonProbability, 1-3000.0/5000, 0.01)
}

func TestRequiredErlangA(t *testing.T) {
	tr := check1Traffic
	tr.Patience = 60 * time.Second
	t.Run("fewer agents than the load", func(t *testing.T) {
		// With impatient callers a loose abandonment cap is met below A.
		m, err := Required(tr, Target{MaxAbandon: 0.3})
		if err != nil {
			t.Fatal(err)
		}
		if m.Agents >= 10 {
			t.Fatalf("agents = %d, want < 10 (A = 10)", m.Agents)
		}
		assertSmallest(t, tr, m, Target{MaxAbandon: 0.3})
	})
	t.Run("service level", func(t *testing.T) {
		tg := check1Target
		tg.MaxAbandon = 0.05
		m, err := Required(tr, tg)
		if err != nil {
			t.Fatal(err)
		}
		if !m.meets(tg) {
			t.Fatalf("metrics %+v miss the target", m)
		}
		assertSmallest(t, tr, m, tg)
	})
}

func assertSmallest(tb testing.TB, tr Traffic, m Metrics, tg Target) {
	tb.Helper()
	if m.Agents <= 1 {
		return
	}
	less, err := Evaluate(tr, m.Agents-1, tg.AnswerWithin)
	if err != nil {
		tb.Fatal(err)
	}
	if less.meets(tg) {
		tb.Fatalf("%d agents already meet the target", m.Agents-1)
	}
}

// uniformizedAnsweredWithin is an independent reference for
// chainA.answeredWithin: it follows the waiting caller's position (j ahead
// -> j-1 at rate N·μ + j·θ, answered from 0 at rate N·μ, gone at rate θ)
// by uniformization of that pure-death chain. It costs O(Λt·J), fine for
// the moderate cases the test feeds it.
func uniformizedAnsweredWithin(c *chainA, t float64) float64 {
	nmu := float64(c.agents) * c.mu
	rate := nmu + float64(len(c.queue))*c.theta
	lt := rate * t
	kMax := int(math.Ceil(lt + 12*math.Sqrt(lt) + 40))
	states := min(len(c.queue), kMax+1)
	v := append([]float64(nil), c.queue[:states]...)
	absorbed, result, cum := 0.0, 0.0, 0.0
	for k := 0; k <= kMax; k++ {
		lg, _ := math.Lgamma(float64(k + 1))
		w := math.Exp(-lt + float64(k)*math.Log(lt) - lg)
		result += w * absorbed
		cum += w
		absorbed += v[0] * nmu / rate
		for j := 0; j < states; j++ {
			exit := nmu + float64(j+1)*c.theta
			next := v[j] * (1 - exit/rate)
			if j+1 < states {
				next += v[j+1] * exit / rate
			}
			v[j] = next
		}
	}
	return c.free + result + (1-cum)*absorbed
}

// TestErlangAServiceLevelTwoWays compares the virtual-wait integral with
// the caller's-position chain: two derivations of answered-within-t.
func TestErlangAServiceLevelTwoWays(t *testing.T) {
	for _, c := range []struct {
		load          float64
		agents        int
		patience, sla float64
	}{{10, 11, 300, 20}, {10, 8, 60, 30}, {10, 14, 120, 10}, {40, 35, 200, 60}, {2.5, 3, 30, 20}, {120, 110, 600, 20}} {
		ch, err := newChainA(c.load, c.agents, 180, c.patience)
		if err != nil {
			t.Fatal(err)
		}
		got := ch.answeredWithin(c.sla)
		want := uniformizedAnsweredWithin(ch, c.sla)
		near(t, "answered within t", got, want, 1e-9)
	}
}

package staffing

import (
	"fmt"
	"math"
	"time"
)

// Erlang A is evaluated from the stationary law of the M/M/N+M
// birth-death chain: states k <= N (k busy agents) move down at rate k·μ,
// states N+j (j callers waiting) at N·μ + j·θ, and every state moves up at
// rate λ. Weights are kept as logarithms relative to state N, so nothing
// overflows for thousands of agents or deep overload, and the queue is cut
// where the remaining tail is below tailCut of the total mass.
const (
	tailCut = 1e-15
	// maxQueueStates bounds the truncated chain; it is only reached with
	// patience orders of magnitude above the handle time and agents far
	// below the load.
	maxQueueStates = 4_000_000
)

// chainA is the stationary law of an M/M/N+M queue as seen by an arrival
// (PASTA: arrivals see time averages).
type chainA struct {
	agents int
	load   float64 // A = λ/μ
	mu     float64 // 1/h, per second
	theta  float64 // 1/τ, per second
	// free is the probability that an arrival finds an idle agent.
	free float64
	// queue[j] is the probability that an arrival finds all agents busy
	// and j callers already waiting.
	queue []float64
}

// newChainA builds the chain for the given load, agents, mean handle time
// and mean patience (both in seconds, both > 0).
func newChainA(load float64, agents int, aht, patience float64) (*chainA, error) {
	c := &chainA{agents: agents, load: load, mu: 1 / aht, theta: 1 / patience}
	rho := aht / patience // θ/μ
	n := float64(agents)

	// log of the mass of states 0..N-1 relative to state N:
	// Σ_{k<N} π_k / π_N = 1/B(N, A) - 1.
	logBelow := math.Inf(-1)
	if agents > 0 {
		l := logInvErlangB(load, agents)
		logBelow = l + math.Log1p(-math.Exp(-l))
	}

	// Queue states N+j, j >= 0: π_{N+j}/π_{N+j-1} = A / (N + j·θ/μ).
	logw := []float64{0}
	maxLog := math.Max(0, logBelow)
	sum := 1.0 // Σ exp(logw - maxLog) over queue states, rescaled as maxLog moves
	if maxLog > 0 {
		sum = math.Exp(-maxLog)
	}
	below := math.Exp(logBelow - maxLog)
	lw := 0.0
	for j := 1; ; j++ {
		ratio := load / (n + float64(j)*rho)
		lw += math.Log(ratio)
		logw = append(logw, lw)
		if lw > maxLog {
			scale := math.Exp(maxLog - lw)
			sum *= scale
			below *= scale
			maxLog = lw
		}
		sum += math.Exp(lw - maxLog)
		// Past the mode the weights fall geometrically, at least as fast
		// as ratio, so the tail beyond j is below w_j·ratio/(1-ratio).
		if ratio < 1 && math.Exp(lw-maxLog)*ratio/(1-ratio) < tailCut*(sum+below) {
			break
		}
		if j >= maxQueueStates {
			return nil, fmt.Errorf("erlang A: queue does not settle within %d states (load %.4g, %d agents, patience/handle %.4g)",
				maxQueueStates, load, agents, 1/rho)
		}
	}
	total := sum + below
	c.free = below / total
	c.queue = make([]float64, len(logw))
	for j, v := range logw {
		c.queue[j] = math.Exp(v-maxLog) / total
	}
	return c, nil
}

// logInvErlangB returns log(1/B(N, A)) by the recursion
// 1/B(k) = 1 + (k/A)·1/B(k-1), taken in log space (softplus) so that it
// neither overflows when N >> A nor loses precision.
func logInvErlangB(load float64, agents int) float64 {
	l := 0.0 // log(1/B(0)) = 0
	for k := 1; k <= agents; k++ {
		u := math.Log(float64(k)/load) + l
		if u > 0 {
			l = u + math.Log1p(math.Exp(-u))
		} else {
			l = math.Log1p(math.Exp(u))
		}
	}
	return l
}

// waitProbability is P(an arrival waits) = P(all agents busy).
func (c *chainA) waitProbability() float64 { return 1 - c.free }

// meanQueue returns Lq, the mean number of callers waiting.
func (c *chainA) meanQueue() float64 {
	lq := 0.0
	for j, p := range c.queue {
		lq += float64(j) * p
	}
	return lq
}

// served returns, for a caller who finds j callers ahead of them, the
// probability p_j of being answered before hanging up and the partial mean
// m_j = E[wait · 1{answered}] in seconds. While j callers are ahead, the
// line moves at rate r_j = N·μ + j·θ (an agent frees up, or someone ahead
// hangs up) and the caller hangs up at rate θ; the time spent in each stage
// is exponential with rate r_j + θ whatever ends it.
func (c *chainA) served() (p, m []float64) {
	p = make([]float64, len(c.queue))
	m = make([]float64, len(c.queue))
	nmu := float64(c.agents) * c.mu
	for j := range c.queue {
		r := nmu + float64(j)*c.theta
		q := r / (r + c.theta)
		stage := 1 / (r + c.theta)
		if j == 0 {
			p[0] = q
			m[0] = q * stage
			continue
		}
		p[j] = q * p[j-1]
		m[j] = q * (stage*p[j-1] + m[j-1])
	}
	return p, m
}

// answeredWithin returns P(answered after a wait of at most t), as a share
// of all offered calls, including calls answered at once.
//
// It uses the law of the virtual wait V (the wait of a caller who would
// never hang up) in M/M/N+M (Baccelli & Hébuterne 1981; Mandelbaum &
// Zeltyn): P(V > 0) = P(wait) and, for x > 0, V has density proportional
// to g(x) = exp(φ(x)), φ(x) = λ·(1-e^{-θx})/θ - N·μ·x. A caller is answered
// within t when V <= t and their own patience, independent of V, exceeds
// V, so
//
//	SL(t) = P(free) + P(wait) · ∫_0^t g(x)·e^{-θx} dx / ∫_0^∞ g(x) dx.
//
// φ is concave, so both integrands are unimodal and smooth; they are
// integrated adaptively after scaling by e^{-max φ}.
func (c *chainA) answeredWithin(t float64) float64 {
	if c.agents == 0 {
		return 0
	}
	if t <= 0 {
		return c.free
	}
	lambda := c.load * c.mu
	nmu := float64(c.agents) * c.mu
	theta := c.theta
	phi := func(x float64) float64 {
		// λ·x·(1-e^{-θx})/(θx) stays accurate as θ·x -> 0.
		y := theta * x
		e := 1.0
		if y > 0 {
			e = -math.Expm1(-y) / y
		}
		return lambda*x*e - nmu*x
	}
	mode := 0.0
	if lambda > nmu {
		mode = math.Log(lambda/nmu) / theta
	}
	peak := phi(mode)
	// Beyond the mode φ falls at least as fast as a line; walk out until
	// the integrand is below e^-40 of its peak.
	end, step := mode, 1/nmu
	for phi(end) > peak-40 {
		end += step
		step *= 2
	}
	g := func(x float64) float64 { return math.Exp(phi(x) - peak) }
	gAnswered := func(x float64) float64 { return math.Exp(phi(x) - theta*x - peak) }
	total := integrate(g, 0, mode) + integrate(g, mode, end)
	within := integrate(gAnswered, 0, math.Min(t, end))
	return c.free + c.waitProbability()*within/total
}

// integrate returns ∫_a^b f for an f bounded by 1, by adaptive Simpson over
// 16 starting panels, to an absolute error of about 1e-13·(b-a).
func integrate(f func(float64) float64, a, b float64) float64 {
	if b <= a {
		return 0
	}
	const panels = 16
	h := (b - a) / panels
	sum := 0.0
	for i := range panels {
		x0 := a + float64(i)*h
		x1 := x0 + h
		fa, fm, fb := f(x0), f((x0+x1)/2), f(x1)
		whole := (x1 - x0) / 6 * (fa + 4*fm + fb)
		sum += simpson(f, x0, x1, fa, fm, fb, whole, 1e-13*h, 30)
	}
	return sum
}

func simpson(f func(float64) float64, a, b, fa, fm, fb, whole, tol float64, depth int) float64 {
	m := (a + b) / 2
	lm, rm := (a+m)/2, (m+b)/2
	flm, frm := f(lm), f(rm)
	left := (m - a) / 6 * (fa + 4*flm + fm)
	right := (b - m) / 6 * (fm + 4*frm + fb)
	if depth <= 0 || math.Abs(left+right-whole) <= 15*tol {
		return left + right + (left+right-whole)/15
	}
	return simpson(f, a, m, fa, flm, fm, left, tol/2, depth-1) +
		simpson(f, m, b, fm, frm, fb, right, tol/2, depth-1)
}

// erlangAMetrics evaluates Erlang A for the given load, agents, handle time
// and patience in seconds.
func erlangAMetrics(load float64, agents int, aht, patience float64, within time.Duration) (Metrics, error) {
	m := Metrics{
		Model:        ErlangAModel,
		Agents:       agents,
		OfferedLoad:  load,
		AnswerWithin: within,
	}
	if load <= 0 {
		m.ServiceLevel = 1
		return m, nil
	}
	c, err := newChainA(load, agents, aht, patience)
	if err != nil {
		return Metrics{}, err
	}
	lq := c.meanQueue()
	pAb := math.Min(1, lq*aht/patience/load) // θ·Lq/λ
	m.WaitProbability = c.waitProbability()
	m.AbandonProbability = pAb
	m.MeanWait = seconds(lq * aht / load) // Lq/λ
	if agents > 0 {
		m.Occupancy = math.Min(1, load*(1-pAb)/float64(agents))
	}
	p, mw := c.served()
	answered, waited := c.free, 0.0
	for j, q := range c.queue {
		answered += q * p[j]
		waited += q * mw[j]
	}
	if answered > 0 {
		m.ASA = seconds(waited / answered)
	}
	m.ServiceLevel = math.Min(1, c.answeredWithin(within.Seconds()))
	return m, nil
}

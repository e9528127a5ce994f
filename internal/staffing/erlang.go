package staffing

import (
	"math"
	"time"
)

// ErlangB returns the blocking probability of an M/M/N/N system with the
// given offered load (Erlangs) and agents, by the recursion
// B(0) = 1, B(k) = A·B(k-1) / (k + A·B(k-1)) for k = 1..N.
// The recursion stays within [0, 1], so it is stable for thousands of
// agents where A^N/N! would overflow. With no agents every call is
// blocked (1); with no load nothing is (0).
func ErlangB(load float64, agents int) float64 {
	if load <= 0 {
		if agents <= 0 {
			return 1
		}
		return 0
	}
	b := 1.0
	for k := 1; k <= agents; k++ {
		b = nextErlangB(load, b, k)
	}
	return b
}

// nextErlangB advances the Erlang B recursion from k-1 to k agents.
func nextErlangB(load, prev float64, k int) float64 {
	ab := load * prev
	return ab / (float64(k) + ab)
}

// ErlangC returns the probability that a call has to wait in an M/M/N
// queue: C = N·B / (N - A·(1-B)) with B = ErlangB(load, agents). It is 1
// when agents <= load, where the queue grows without bound.
func ErlangC(load float64, agents int) float64 {
	return erlangCFromB(load, agents, ErlangB(load, agents))
}

func erlangCFromB(load float64, agents int, b float64) float64 {
	if load <= 0 {
		return 0
	}
	n := float64(agents)
	if n <= load {
		return 1
	}
	return n * b / (n - load*(1-b))
}

// erlangCMetrics evaluates Erlang C for an interval with mean handle time
// aht seconds, given B(agents, load) computed by the caller.
func erlangCMetrics(load float64, agents int, b, aht float64, within time.Duration) Metrics {
	m := Metrics{
		Model:        ErlangCModel,
		Agents:       agents,
		OfferedLoad:  load,
		AnswerWithin: within,
	}
	if load <= 0 {
		m.ServiceLevel = 1
		return m
	}
	n := float64(agents)
	if n <= load {
		// Overloaded: every call waits and the queue never empties.
		m.WaitProbability = 1
		m.ASA = seconds(math.Inf(1))
		m.MeanWait = m.ASA
		if agents > 0 {
			m.Occupancy = 1
		}
		return m
	}
	c := erlangCFromB(load, agents, b)
	m.WaitProbability = c
	m.ServiceLevel = 1 - c*math.Exp(-(n-load)*within.Seconds()/aht)
	asa := c * aht / (n - load)
	m.ASA = seconds(asa)
	m.MeanWait = m.ASA
	m.Occupancy = load / n
	return m
}

package staffing

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrUnreachable is returned by Required when no agent count meets the
// target (for instance a service level of exactly 1 with calls to answer).
var ErrUnreachable = errors.New("service target cannot be met")

// Evaluate returns the metrics of an interval with the given traffic
// staffed by agents operators, with the service level measured against
// answerWithin. It uses Erlang C when tr.Patience is zero and Erlang A
// otherwise.
func Evaluate(tr Traffic, agents int, answerWithin time.Duration) (m Metrics, err error) {
	defer wrap(&err, "staffing.Evaluate(%d agents)", agents)
	if err := tr.Validate(); err != nil {
		return Metrics{}, err
	}
	if agents < 0 {
		return Metrics{}, fmt.Errorf("agents must not be negative, got %d", agents)
	}
	if answerWithin < 0 {
		return Metrics{}, fmt.Errorf("answer-within time must not be negative, got %v", answerWithin)
	}
	load := tr.OfferedLoad()
	if tr.Patience > 0 {
		return erlangAMetrics(load, agents, tr.AHT.Seconds(), tr.Patience.Seconds(), answerWithin)
	}
	return erlangCMetrics(load, agents, ErlangB(load, agents), tr.AHT.Seconds(), answerWithin), nil
}

// Required returns the metrics at the smallest number of agents that meets
// every enabled criterion of the target. An interval without calls needs
// no agents.
//
// Erlang C (tr.Patience == 0): the scan starts at floor(A)+1, the first
// count with a finite queue, and moves up one agent at a time while the
// Erlang B recursion advances with it, so each step costs O(1).
//
// Erlang A (tr.Patience > 0): the queue is stable at any load, so counts
// below A are considered. Service level rises and abandonment, ASA and
// occupancy fall as agents are added, so the smallest count is found by
// doubling and bisection from 1, then confirmed by checking that one agent
// fewer fails.
func Required(tr Traffic, tg Target) (m Metrics, err error) {
	defer wrap(&err, "staffing.Required(%.4g calls)", tr.Calls)
	if err := tr.Validate(); err != nil {
		return Metrics{}, err
	}
	if err := tg.Validate(); err != nil {
		return Metrics{}, err
	}
	load := tr.OfferedLoad()
	if load == 0 {
		return Metrics{Model: modelOf(tr), OfferedLoad: 0, AnswerWithin: tg.AnswerWithin, ServiceLevel: 1}, nil
	}
	limit := agentLimit(load)
	if tr.Patience == 0 {
		return requiredErlangC(load, tr.AHT.Seconds(), tg, limit)
	}
	return requiredErlangA(load, tr, tg, limit)
}

func modelOf(tr Traffic) Model {
	if tr.Patience > 0 {
		return ErlangAModel
	}
	return ErlangCModel
}

// agentLimit bounds the search: far above any sensible staffing, so that an
// unreachable target ends with ErrUnreachable rather than a long loop.
func agentLimit(load float64) int {
	return int(load+50*math.Sqrt(load)) + 1000
}

func requiredErlangC(load, aht float64, tg Target, limit int) (Metrics, error) {
	start := int(math.Floor(load)) + 1
	b := ErlangB(load, start-1)
	for n := start; n <= limit; n++ {
		b = nextErlangB(load, b, n)
		m := erlangCMetrics(load, n, b, aht, tg.AnswerWithin)
		if m.meets(tg) {
			return m, nil
		}
	}
	return Metrics{}, fmt.Errorf("%w with up to %d agents", ErrUnreachable, limit)
}

func requiredErlangA(load float64, tr Traffic, tg Target, limit int) (Metrics, error) {
	aht, patience := tr.AHT.Seconds(), tr.Patience.Seconds()
	eval := func(n int) (Metrics, bool, error) {
		m, err := erlangAMetrics(load, n, aht, patience, tg.AnswerWithin)
		if err != nil {
			return Metrics{}, false, err
		}
		return m, m.meets(tg), nil
	}
	// Find hi that meets the target and lo that does not (0 never does:
	// nobody is answered).
	lo, hi := 0, max(1, int(math.Ceil(load)))
	best, ok, err := eval(hi)
	if err != nil {
		return Metrics{}, err
	}
	for !ok {
		lo = hi
		if hi >= limit {
			return Metrics{}, fmt.Errorf("%w with up to %d agents", ErrUnreachable, limit)
		}
		hi = min(limit, 2*hi)
		if best, ok, err = eval(hi); err != nil {
			return Metrics{}, err
		}
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		m, ok, err := eval(mid)
		if err != nil {
			return Metrics{}, err
		}
		if ok {
			hi, best = mid, m
		} else {
			lo = mid
		}
	}
	// Guard against a numerically flat spot: step down while one fewer
	// agent still meets the target.
	for hi > 1 {
		m, ok, err := eval(hi - 1)
		if err != nil {
			return Metrics{}, err
		}
		if !ok {
			break
		}
		hi, best = hi-1, m
	}
	return best, nil
}

// Scheduled returns the headcount to schedule so that agents remain after
// shrinkage s (breaks, training, absence): ceil(agents / (1 - s)). The
// quotient is rounded up only when it exceeds an integer by more than
// floating-point noise, so 14 / 0.7 schedules 20, not 21.
func Scheduled(agents int, shrinkage float64) (int, error) {
	if agents < 0 {
		return 0, fmt.Errorf("staffing.Scheduled: agents must not be negative, got %d", agents)
	}
	if math.IsNaN(shrinkage) || shrinkage < 0 || shrinkage >= 1 {
		return 0, fmt.Errorf("staffing.Scheduled: shrinkage must be in [0, 1), got %v", shrinkage)
	}
	return int(math.Ceil(float64(agents)/(1-shrinkage) - 1e-9)), nil
}

// wrap prefixes a non-nil error with the operation that failed.
func wrap(errp *error, format string, args ...any) {
	if *errp != nil {
		*errp = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *errp)
	}
}

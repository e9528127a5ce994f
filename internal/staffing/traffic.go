package staffing

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Traffic describes the calls of one planning interval.
type Traffic struct {
	// Calls is the number of calls offered in the interval (>= 0).
	Calls float64
	// Interval is the length of the interval (> 0), e.g. 30 minutes.
	Interval time.Duration
	// AHT is the mean handle time: talk plus wrap-up, including ticket
	// entry (> 0 when Calls > 0).
	AHT time.Duration
	// Patience is the callers' mean patience before they hang up. Zero
	// means callers never abandon and the Erlang C model applies; a
	// positive value selects Erlang A (M/M/N+M).
	Patience time.Duration
}

// OfferedLoad returns the offered load A = Calls × AHT / Interval in Erlangs.
func (t Traffic) OfferedLoad() float64 {
	if t.Interval <= 0 {
		return 0
	}
	return t.Calls * t.AHT.Seconds() / t.Interval.Seconds()
}

// Validate reports the first invalid field of t.
func (t Traffic) Validate() error {
	switch {
	case math.IsNaN(t.Calls) || math.IsInf(t.Calls, 0):
		return fmt.Errorf("calls must be a finite number, got %v", t.Calls)
	case t.Calls < 0:
		return fmt.Errorf("calls must not be negative, got %v", t.Calls)
	case t.Interval <= 0:
		return fmt.Errorf("interval must be positive, got %v", t.Interval)
	case t.AHT < 0:
		return fmt.Errorf("handle time must not be negative, got %v", t.AHT)
	case t.AHT == 0 && t.Calls > 0:
		return errors.New("handle time must be positive when there are calls")
	case t.Patience < 0:
		return fmt.Errorf("patience must not be negative, got %v", t.Patience)
	}
	return nil
}

// Target is a service target for one interval. A zero field disables that
// criterion; Required meets every enabled criterion at once.
type Target struct {
	// ServiceLevel is the minimum share of calls answered within
	// AnswerWithin, in [0, 1]. See Metrics.ServiceLevel for the exact
	// definition under each model.
	ServiceLevel float64
	// AnswerWithin is the answer-time threshold t of the service level.
	AnswerWithin time.Duration
	// MaxOccupancy is the highest acceptable agent occupancy, in [0, 1].
	MaxOccupancy float64
	// MaxASA caps the average speed of answer (Metrics.ASA).
	MaxASA time.Duration
	// MaxAbandon caps the probability that a caller hangs up before being
	// answered, in [0, 1]. It only binds under Erlang A (Traffic.Patience
	// > 0); under Erlang C nobody abandons.
	MaxAbandon float64
}

// Validate reports the first invalid field of g.
func (g Target) Validate() error {
	switch {
	case !inUnit(g.ServiceLevel):
		return fmt.Errorf("service level must be in [0, 1], got %v", g.ServiceLevel)
	case g.AnswerWithin < 0:
		return fmt.Errorf("answer-within time must not be negative, got %v", g.AnswerWithin)
	case !inUnit(g.MaxOccupancy):
		return fmt.Errorf("max occupancy must be in [0, 1], got %v", g.MaxOccupancy)
	case g.MaxASA < 0:
		return fmt.Errorf("max ASA must not be negative, got %v", g.MaxASA)
	case !inUnit(g.MaxAbandon):
		return fmt.Errorf("max abandonment must be in [0, 1], got %v", g.MaxAbandon)
	}
	return nil
}

func inUnit(x float64) bool { return x >= 0 && x <= 1 }

// Model names the queueing model behind a Metrics value.
type Model string

// Models.
const (
	ErlangCModel Model = "erlang-c"
	ErlangAModel Model = "erlang-a"
)

// Metrics are the steady-state figures of one interval staffed by Agents
// operators.
type Metrics struct {
	Model Model
	// Agents is the number of operators answering calls (before shrinkage).
	Agents int
	// OfferedLoad is A in Erlangs.
	OfferedLoad float64
	// AnswerWithin is the threshold t the service level refers to.
	AnswerWithin time.Duration
	// ServiceLevel is the share of offered calls answered within
	// AnswerWithin. Erlang C: P(wait <= t) = 1 - C·exp(-(N-A)·t/h), every
	// call is eventually answered. Erlang A: (calls answered after a wait
	// of at most t) / (all offered calls); calls that abandon, even before
	// t, count as not answered within t.
	ServiceLevel float64
	// WaitProbability is the probability that a call finds every agent
	// busy and has to queue (Erlang C's C(N, A)).
	WaitProbability float64
	// ASA is the average speed of answer: the mean wait of answered calls,
	// counting calls answered at once as zero. Under Erlang C every call is
	// answered, so it equals C·h/(N-A), the mean wait over all calls.
	ASA time.Duration
	// MeanWait is the mean time in queue over all offered calls, answered
	// or abandoned (Lq/λ). It equals ASA under Erlang C.
	MeanWait time.Duration
	// Occupancy is the share of agent time spent handling calls: A/N under
	// Erlang C, λ·(1-P(abandon))·h/N under Erlang A.
	Occupancy float64
	// AbandonProbability is θ·Lq/λ under Erlang A and 0 under Erlang C.
	AbandonProbability float64
}

// meets reports whether m satisfies every enabled criterion of g.
func (m Metrics) meets(g Target) bool {
	const eps = 1e-12
	if g.ServiceLevel > 0 && m.ServiceLevel < g.ServiceLevel-eps {
		return false
	}
	if g.MaxOccupancy > 0 && m.Occupancy > g.MaxOccupancy+eps {
		return false
	}
	if g.MaxASA > 0 && m.ASA > g.MaxASA {
		return false
	}
	if g.MaxAbandon > 0 && m.AbandonProbability > g.MaxAbandon+eps {
		return false
	}
	return true
}

func seconds(s float64) time.Duration {
	if math.IsInf(s, 1) || s > float64(math.MaxInt64)/1e9 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(math.Round(s * 1e9))
}

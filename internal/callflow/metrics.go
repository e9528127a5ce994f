package callflow

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ikomek/ikomek/internal/calls"
)

type metrics struct {
	arrived           prometheus.Counter
	outcomes          *prometheus.CounterVec
	failedArrivals    prometheus.Counter
	waiting           prometheus.Gauge
	wait              *prometheus.HistogramVec
	talk              prometheus.Histogram
	dispatch          prometheus.Histogram
	bridge            prometheus.Histogram
	missed            prometheus.Counter
	recordingFailures prometheus.Counter
	answered          prometheus.Counter
	withinTarget      prometheus.Counter
	onDuty            func() int
}

func newMetrics() *metrics {
	waitBuckets := []float64{1, 5, 10, 20, 30, 60, 120, 300, 600, 1200}
	latency := []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .25, 1}
	return &metrics{
		arrived: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ikomek_calls_arrived_total", Help: "Calls handed to the controller.",
		}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ikomek_calls_ended_total", Help: "Calls ended, by outcome.",
		}, []string{"outcome"}),
		failedArrivals: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ikomek_calls_unrecorded_total", Help: "Arriving calls that could not be recorded (hung up with congestion).",
		}),
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ikomek_calls_waiting", Help: "Calls in line for an operator in this controller.",
		}),
		wait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ikomek_call_wait_seconds", Help: "Time in line, by how it ended (answered, abandoned).", Buckets: waitBuckets,
		}, []string{"outcome"}),
		talk: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ikomek_call_talk_seconds", Help: "Conversation length.", Buckets: []float64{15, 30, 60, 120, 180, 300, 600, 1200},
		}),
		dispatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ikomek_dispatch_latency_seconds", Help: "From an operator free (or a call queued) to the dial request.", Buckets: latency,
		}),
		bridge: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ikomek_bridge_latency_seconds", Help: "From the operator's answer to bridged and recording.", Buckets: latency,
		}),
		missed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ikomek_offers_missed_total", Help: "Offers to operators not answered.",
		}),
		recordingFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ikomek_recording_failures_total", Help: "Conversations whose recording failed to start or finish.",
		}),
		answered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ikomek_calls_answered_total", Help: "Calls answered by an operator.",
		}),
		withinTarget: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ikomek_calls_answered_within_target_total", Help: "Calls answered by an operator within 20 s in line.",
		}),
		onDuty: func() int { return 1 },
	}
}

func (m *metrics) ended(o calls.Outcome) { m.outcomes.WithLabelValues(string(o)).Inc() }

func (m *metrics) answeredCalls(wait time.Duration) {
	m.answered.Inc()
	if wait <= calls.ServiceTarget {
		m.withinTarget.Inc()
	}
}

func (m *metrics) onDutyEstimate() int { return m.onDuty() }

// Register creates the controller's metrics in reg; call it once before Run. onDuty
// reports how many operators are logged in (for wait estimates); nil means one.
func (c *Controller) Register(reg prometheus.Registerer, onDuty func() int) {
	m := newMetrics()
	if onDuty != nil {
		m.onDuty = onDuty
	}
	for _, o := range []calls.Outcome{calls.Completed, calls.Answered, calls.Abandoned, calls.Failed} {
		m.outcomes.WithLabelValues(string(o))
	}
	m.wait.WithLabelValues("answered")
	m.wait.WithLabelValues("abandoned")
	active := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ikomek_calls_active", Help: "Calls the controller is handling now.",
	}, func() float64 { return float64(c.Active()) })
	reg.MustRegister(m.arrived, m.outcomes, m.failedArrivals, m.waiting, m.wait, m.talk, m.dispatch, m.bridge,
		m.missed, m.recordingFailures, m.answered, m.withinTarget, active)
	c.metrics = m
}

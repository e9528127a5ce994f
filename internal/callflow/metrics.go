package callflow

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ikomek/ikomek/internal/calls"
)

type metrics struct {
	arrived        prometheus.Counter
	outcomes       *prometheus.CounterVec
	failedArrivals prometheus.Counter
}

func (m *metrics) ended(o calls.Outcome) { m.outcomes.WithLabelValues(string(o)).Inc() }

// Register creates the controller's metrics in reg; call it once before Run.
func (c *Controller) Register(reg prometheus.Registerer) {
	m := &metrics{
		arrived: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ikomek_calls_arrived_total", Help: "Calls handed to the controller.",
		}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ikomek_calls_ended_total", Help: "Calls ended, by outcome.",
		}, []string{"outcome"}),
		failedArrivals: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ikomek_calls_unrecorded_total", Help: "Arriving calls that could not be recorded (hung up with congestion).",
		}),
	}
	for _, o := range []calls.Outcome{calls.Completed, calls.Answered, calls.Abandoned, calls.Failed} {
		m.outcomes.WithLabelValues(string(o))
	}
	active := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ikomek_calls_active", Help: "Calls the controller is handling now.",
	}, func() float64 { return float64(c.Active()) })
	reg.MustRegister(m.arrived, m.outcomes, m.failedArrivals, active)
	c.metrics = m
}

package postgres

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ikomek/ikomek/internal/tickets"
)

// ticketsCreated counts new tickets by channel and category group: both small sets
// (the groups are the catalogue's), never ticket ids.
var ticketsCreated = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "ikomek_tickets_created_total",
	Help: "Tickets created, by channel and category group (\"none\" until categorised).",
}, []string{"channel", "group"})

// createBatchSize shows how many new tickets share one write: 1 under light load,
// more as the load grows.
var createBatchSize = prometheus.NewHistogram(prometheus.HistogramOpts{
	Name:    "ikomek_ticket_create_batch_size",
	Help:    "New tickets written together in one transaction.",
	Buckets: []float64{1, 2, 4, 8, 16, 32, 64},
})

func ticketCreated(ch tickets.Channel, group string) {
	if group == "" {
		group = "none"
	}
	ticketsCreated.WithLabelValues(string(ch), group).Inc()
}

// TicketMetrics returns the collectors of the ticket stores, to register once.
func TicketMetrics() []prometheus.Collector {
	for _, ch := range tickets.Channels {
		ticketsCreated.WithLabelValues(string(ch), "none")
	}
	return []prometheus.Collector{ticketsCreated, createBatchSize}
}

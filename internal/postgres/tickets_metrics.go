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
	return []prometheus.Collector{ticketsCreated}
}

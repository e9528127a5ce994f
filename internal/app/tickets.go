package app

import (
	"context"
	"sync"

	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/tickets/sweeper"
	"github.com/ikomek/ikomek/internal/tickets/webhook"
)

// startTickets registers the ticket metrics and starts the ticket workers: the SLA
// sweeper and the outbox deliverer. Every controller runs both; the stores make
// that safe. The returned function stops them and waits until they have.
func (a *App) startTickets(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	a.Registry.MustRegister(postgres.TicketMetrics()...)
	sw := &sweeper.Sweeper{SLA: a.DB.SLA(), Log: a.Log.With("worker", "sla-sweeper")}
	sw.Register(a.Registry)
	d := &webhook.Deliverer{Outbox: a.DB.Outbox(), Log: a.Log.With("worker", "outbox")}
	d.Register(a.Registry)
	var wg sync.WaitGroup
	wg.Go(func() { sw.Run(ctx) })
	wg.Go(func() { d.Run(ctx) })
	return func() {
		cancel()
		wg.Wait()
	}
}

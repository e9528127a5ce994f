package postgres

import (
	"context"

	"github.com/ikomek/ikomek/internal/tickets"
)

// CreateTogether writes ins as one batch of new tickets, the way concurrent
// creations are written, and returns each one's error.
func (s *TicketStore) CreateTogether(ctx context.Context, ins []tickets.NewTicket, by tickets.Actor) []error {
	jobs := make([]*createJob, len(ins))
	for i, in := range ins {
		jobs[i] = &createJob{ctx: ctx, in: in, by: by, now: s.db.Now(), done: make(chan struct{})}
	}
	s.writeCreates(jobs)
	errs := make([]error, len(jobs))
	for i, j := range jobs {
		errs[i] = j.err
	}
	return errs
}

package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/ikomek/ikomek/internal/tickets"
)

// CreateTogether writes ins as one batch of new tickets, the way concurrent
// creations are written, and returns each one's error.
func (s *TicketStore) CreateTogether(ctx context.Context, ins []tickets.NewTicket, by tickets.Actor) []error {
	jobs := make([]*createJob, len(ins))
	for i, in := range ins {
		jobs[i] = s.newCreateJob(ctx, in, by)
	}
	s.writeCreates(jobs)
	errs := make([]error, len(jobs))
	for i, j := range jobs {
		errs[i] = j.err
	}
	return errs
}

// ViewApart reads what View reads with three queries one after the other, each
// taking its own connection from the pool: the alternative View is measured against.
func (s *TicketStore) ViewApart(ctx context.Context, id int64) (v tickets.View, err error) {
	if v.Ticket, err = s.Get(ctx, id); err != nil {
		return v, err
	}
	if v.Events, err = s.Events(ctx, id); err != nil {
		return v, err
	}
	rows, err := s.db.Pool.Query(ctx, reportersSQL, id)
	if err != nil {
		return v, err
	}
	v.Reporters, err = pgx.CollectRows(rows, scanReporter)
	return v, err
}

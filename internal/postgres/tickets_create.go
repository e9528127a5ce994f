package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/tickets"
)

// Create registers a ticket. Concurrent creations are written together (see
// createQueue): the caller waits for its own ticket, which has the same rules,
// errors and transaction guarantees as when created alone.
func (s *TicketStore) Create(ctx context.Context, in tickets.NewTicket, by tickets.Actor) (t tickets.Ticket, err error) {
	defer apperr.Wrap(&err, "Tickets.Create(%s, %s)", in.Channel, in.ServiceCode)
	j := s.newCreateJob(ctx, in, by)
	s.db.creates.submit(j, s.writeCreates)
	return j.t, j.err
}

// newCreateJob is a ticket to be created now, by.
func (s *TicketStore) newCreateJob(ctx context.Context, in tickets.NewTicket, by tickets.Actor) *createJob {
	return &createJob{ctx: ctx, in: in, by: by, now: createTime(s.db.Now()), done: make(chan struct{})}
}

// errCatalogChanging is the answer when the catalogue kept changing under a batch.
var errCatalogChanging = apperr.Errorf(apperr.Unavailable, "the catalogue is being changed; try again")

// maxStaleRetries bounds how often a batch is rebuilt because the catalogue
// changed under it.
const maxStaleRetries = 3

// writeCreates writes a batch of new tickets. In the steady state that is one
// round trip and one commit for the whole batch: the catalogue comes from
// catalogCache and the numbers from ticketNumbers. The rules run before anything
// is written, so bad input costs no number and changes nothing. When the shared
// transaction fails, each ticket is retried alone so that one ticket the database
// refuses cannot fail the others.
func (s *TicketStore) writeCreates(jobs []*createJob) {
	ctx, cancel := context.WithTimeout(context.Background(), createTimeout)
	defer cancel()
	for attempt := 0; len(jobs) > 0; attempt++ {
		jobs = s.tryCreates(ctx, jobs, attempt >= maxStaleRetries)
	}
}

// tryCreates writes jobs and finishes each of them, except those to be tried
// again because the catalogue changed meanwhile, which it returns. With last set,
// a stale catalogue is an error instead.
func (s *TicketStore) tryCreates(ctx context.Context, jobs []*createJob, last bool) (again []*createJob) {
	want := map[string][2]string{}
	for _, j := range jobs {
		if j.in.ServiceCode != "" {
			want[catalogKey(j.in.ServiceCode, j.in.Priority)] = [2]string{j.in.ServiceCode, string(j.in.Priority)}
		}
	}
	snap, read, err := s.db.catalog.snapshot(ctx, s.db, want, false)
	if err != nil {
		finishAll(jobs, err)
		return nil
	}
	valid, refused := s.build(ctx, snap, jobs)
	if len(refused) > 0 && !read {
		// A refusal must not rest on a stale cache: ask the database once more.
		if snap, _, err = s.db.catalog.snapshot(ctx, s.db, want, true); err != nil {
			finishAll(append(valid, refused...), err)
			return nil
		}
		valid, refused = s.build(ctx, snap, jobs)
	}
	for _, r := range refused {
		r.finish(tickets.Ticket{}, r.err)
	}
	if len(valid) == 0 {
		return nil
	}
	years := make([]int, len(valid))
	for i, j := range valid {
		years[i] = j.now.Year()
	}
	ids, refs, err := s.db.numbers.take(ctx, s.db, years)
	if err != nil {
		finishAll(valid, err)
		return nil
	}
	for i, j := range valid {
		j.t.ID, j.t.Reference = ids[i], refs[i]
	}

	stored, err := s.insert(ctx, snap.gen, valid)
	switch {
	case isStaleCatalog(err) && !last:
		s.db.catalog.forget(snap.gen)
		for _, j := range valid {
			j.t, j.evs = tickets.Ticket{}, nil
		}
		return valid
	case err != nil && len(valid) > 1:
		// One ticket may have failed them all: each alone.
		for _, j := range valid {
			one, err := s.insert(ctx, snap.gen, []*createJob{j})
			if err != nil {
				done(j, tickets.Ticket{}, err)
				continue
			}
			done(j, one[0], nil)
		}
	case err != nil:
		done(valid[0], tickets.Ticket{}, err)
	default:
		for i, j := range valid {
			done(j, stored[i], nil)
		}
	}
	return nil
}

// insert writes the tickets of jobs with their events and notifications in one
// implicit transaction that first checks the catalogue is still at generation gen.
func (s *TicketStore) insert(ctx context.Context, gen int64, jobs []*createJob) ([]tickets.Ticket, error) {
	var n newTickets
	at := make(map[int64]int, len(jobs))
	for i, j := range jobs {
		if err := n.add(j.t, j.evs, j.by, j.now); err != nil {
			return nil, err
		}
		at[j.t.ID] = i
	}
	stored := make([]tickets.Ticket, len(jobs))
	var b pgx.Batch
	b.Queue(`SELECT check_catalog_generation($1)`, gen)
	n.queue(&b, func(id int64) {
		i, ok := at[id]
		if !ok {
			return
		}
		stored[i] = asStored(jobs[i].t)
		delete(at, id)
	})
	if err := s.db.Pool.SendBatch(ctx, &b).Close(); err != nil {
		return nil, err
	}
	if len(at) > 0 {
		return nil, fmt.Errorf("%d of %d new tickets were not written", len(at), len(jobs))
	}
	return stored, nil
}

// done finishes a written job, counting the ticket.
func done(j *createJob, t tickets.Ticket, err error) {
	if isStaleCatalog(err) {
		err = errCatalogChanging
	}
	if err == nil {
		ticketCreated(t.Channel, j.group)
	}
	j.finish(t, err)
}

// build applies the rules to each job with the snapshot's look-ups: the accepted
// ones come back with their ticket and events set, the refused ones with err set.
func (s *TicketStore) build(ctx context.Context, snap *catalogSnapshot, jobs []*createJob) (valid, refused []*createJob) {
	l := snap.lookup(ctx, s.db.Pool)
	for _, j := range jobs {
		if err := j.ctx.Err(); err != nil {
			j.err = err
			refused = append(refused, j)
			continue
		}
		nt, evs, err := tickets.Build(j.in, l, j.by, j.now)
		if err != nil {
			j.err = err
			refused = append(refused, j)
			continue
		}
		j.t, j.evs, j.group, j.err = nt, evs, l.group(nt.ServiceCode), nil
		valid = append(valid, j)
	}
	return valid, refused
}

func finishAll(jobs []*createJob, err error) {
	for _, j := range jobs {
		j.finish(tickets.Ticket{}, err)
	}
}

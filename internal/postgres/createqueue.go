package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/ikomek/ikomek/internal/tickets"
)

// createQueue groups concurrent ticket creations so that many share their round
// trips and one commit. There is no background worker and no waiting for a batch
// to fill: a caller that finds a free writer slot writes everything queued at that
// moment, its own ticket included, while the others wait for their result. Under
// light load each ticket is written alone at once; under heavy load the batches
// grow by themselves and the database does less work per ticket.
type createQueue struct {
	mu      sync.Mutex
	pending []*createJob
	writers chan struct{} // one token per writer that may run at once
}

// maxCreateBatch bounds one batch, so one transaction stays short.
const maxCreateBatch = 64

// createTimeout bounds the writing of one batch; it does not depend on any one
// caller's context, since the batch holds other callers' tickets too.
const createTimeout = 30 * time.Second

func newCreateQueue(writers int) *createQueue {
	return &createQueue{writers: make(chan struct{}, max(writers, 1))}
}

// createJob is one ticket waiting to be written, and then its result.
type createJob struct {
	ctx  context.Context
	in   tickets.NewTicket
	by   tickets.Actor
	now  time.Time
	done chan struct{}

	// Set by the writer.
	t     tickets.Ticket
	evs   []tickets.Event
	group string
	err   error
}

func (j *createJob) finish(t tickets.Ticket, err error) {
	j.t, j.err = t, err
	close(j.done)
}

// submit queues j and returns once write has finished it. write receives at most
// maxCreateBatch jobs and must finish every one of them.
func (q *createQueue) submit(j *createJob, write func([]*createJob)) {
	q.mu.Lock()
	q.pending = append(q.pending, j)
	q.mu.Unlock()
	select {
	case <-j.done:
		return
	case q.writers <- struct{}{}:
	}
	// Write until j is done, not longer: under steady load the queue never empties,
	// and the waiting owners of the rest take over the freed slot.
	for !j.isDone() {
		q.mu.Lock()
		n := min(len(q.pending), maxCreateBatch)
		batch := make([]*createJob, n)
		copy(batch, q.pending)
		q.pending = append(q.pending[:0], q.pending[n:]...)
		q.mu.Unlock()
		if n == 0 {
			break
		}
		createBatchSize.Observe(float64(n))
		write(batch)
	}
	<-q.writers
	// j is done, or the queue was empty so another writer is finishing it.
	<-j.done
}

func (j *createJob) isDone() bool {
	select {
	case <-j.done:
		return true
	default:
		return false
	}
}

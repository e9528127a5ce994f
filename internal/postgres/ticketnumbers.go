package postgres

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/ikomek/ikomek/internal/tickets"
)

// ticketNumbers hands out ticket ids and public reference numbers from blocks
// reserved in the database, so that creating a ticket normally costs no round trip
// for them. Numbers are handed out only to tickets the rules accepted; a block left
// unused when the process stops, or when the year turns, leaves a gap in the
// references, which is allowed (they are unique, not contiguous). With several
// controllers the references of one year interleave by block.
type ticketNumbers struct {
	mu   sync.Mutex
	year int
	ids  []int64
	next int64 // next reference number of year
	last int64 // last reserved reference number of year
}

// numberBlock is how many numbers one reservation takes.
const numberBlock = 100

// take returns an id and a reference for each entry of years.
func (p *ticketNumbers) take(ctx context.Context, db *DB, years []int) (ids []int64, refs []string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ids = make([]int64, 0, len(years))
	refs = make([]string, 0, len(years))
	for i, y := range years {
		if y != p.year {
			p.year, p.ids, p.next, p.last = y, nil, 0, -1
		}
		if len(p.ids) == 0 || p.next > p.last {
			if err := p.reserve(ctx, db, y, max(numberBlock, len(years)-i)); err != nil {
				return nil, nil, err
			}
		}
		ids = append(ids, p.ids[0])
		p.ids = p.ids[1:]
		refs = append(refs, tickets.FormatReference(y, p.next))
		p.next++
	}
	return ids, refs, nil
}

// reserve takes n ids and n reference numbers of year in one round trip. It
// commits without waiting for the WAL flush, so the year's counter row is locked
// for microseconds: a ticket that uses a number commits after it, and that flush
// makes the reservation durable too.
func (p *ticketNumbers) reserve(ctx context.Context, db *DB, year, n int) error {
	var last int64
	var ids []int64
	var b pgx.Batch
	// SET LOCAL has no effect in a pipeline's implicit transaction; set_config does.
	b.Queue(`SELECT set_config('synchronous_commit', 'off', true)`)
	b.Queue(`INSERT INTO ticket_reference_counters (year, last) VALUES ($1, $2)
		ON CONFLICT (year) DO UPDATE SET last = ticket_reference_counters.last + $2
		RETURNING last`, year, n).QueryRow(func(r pgx.Row) error { return r.Scan(&last) })
	b.Queue(`SELECT nextval(pg_get_serial_sequence('tickets', 'id')) FROM generate_series(1, $1)`, n).
		Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return rows.Err()
		})
	if err := db.Pool.SendBatch(ctx, &b).Close(); err != nil {
		return err
	}
	if len(ids) != n {
		return fmt.Errorf("reserved %d ticket ids, want %d", len(ids), n)
	}
	p.ids, p.next, p.last = ids, last-int64(n)+1, last
	return nil
}

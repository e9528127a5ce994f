package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/tickets"
)

// SLAStore is the PostgreSQL tickets.SLAStore.
type SLAStore struct{ db *DB }

var _ tickets.SLAStore = (*SLAStore)(nil)

// SLA returns the store of SLA policies, which also sweeps overdue tickets.
func (db *DB) SLA() *SLAStore { return &SLAStore{db: db} }

const policyColumns = `id, coalesce(service_code, ''), priority, version,
	extract(epoch FROM respond_within)::float8, extract(epoch FROM resolve_within)::float8,
	created_at, created_by, superseded_at`

func scanPolicy(row pgx.Row) (p tickets.Policy, err error) {
	var respond, resolve float64
	err = row.Scan(&p.ID, &p.ServiceCode, &p.Priority, &p.Version, &respond, &resolve, &p.CreatedAt,
		&p.CreatedBy, &p.SupersededAt)
	p.RespondWithin = time.Duration(respond * float64(time.Second))
	p.ResolveWithin = time.Duration(resolve * float64(time.Second))
	return p, err
}

// policyInForce is the current policy of a category and priority, falling back to the
// default for the priority; nil when neither exists.
func policyInForce(ctx context.Context, q querier, code string, pr tickets.Priority) (*tickets.Policy, error) {
	p, err := scanPolicy(q.QueryRow(ctx, `SELECT `+policyColumns+` FROM sla_policies
		WHERE (service_code = $1 OR service_code IS NULL) AND priority = $2 AND superseded_at IS NULL
		ORDER BY service_code NULLS LAST LIMIT 1`, code, pr))
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func (s *SLAStore) SetPolicy(ctx context.Context, p tickets.Policy, by tickets.Actor) (saved tickets.Policy, err error) {
	defer apperr.Wrap(&err, "SLA.SetPolicy(%q, %s)", p.ServiceCode, p.Priority)
	if err := p.Validate(); err != nil {
		return saved, err
	}
	now := s.db.Now()
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		if p.ServiceCode != "" {
			if _, err := getCategory(ctx, tx, p.ServiceCode); err != nil {
				return err
			}
		}
		var version int
		err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM sla_policies
			WHERE coalesce(service_code, '') = $1 AND priority = $2`, p.ServiceCode, p.Priority).Scan(&version)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE sla_policies SET superseded_at = $3
			WHERE coalesce(service_code, '') = $1 AND priority = $2 AND superseded_at IS NULL`,
			p.ServiceCode, p.Priority, now); err != nil {
			return err
		}
		saved, err = scanPolicy(tx.QueryRow(ctx, `INSERT INTO sla_policies (service_code, priority, version,
				respond_within, resolve_within, created_at, created_by)
			VALUES ($1, $2, $3, $4 * interval '1 second', $5 * interval '1 second', $6, $7)
			RETURNING `+policyColumns,
			nullIfEmpty(p.ServiceCode), p.Priority, version+1, p.RespondWithin.Seconds(), p.ResolveWithin.Seconds(),
			now, by.Name))
		return err
	})
	if isUniqueViolation(err) {
		return saved, apperr.Errorf(apperr.Conflict, "the policy was changed at the same time; try again")
	}
	return saved, err
}

func (s *SLAStore) Policies(ctx context.Context, code string, history bool) (ps []tickets.Policy, err error) {
	defer apperr.Wrap(&err, "SLA.Policies(%q)", code)
	rows, err := s.db.Pool.Query(ctx, `SELECT `+policyColumns+` FROM sla_policies
		WHERE ($1 = '*' OR coalesce(service_code, '') = $1) AND ($2 OR superseded_at IS NULL)
		ORDER BY coalesce(service_code, ''), priority, version`, code, history)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tickets.Policy, error) { return scanPolicy(r) })
}

// sweepSQL takes the tickets due for escalation, in deadline order, through the
// index of the narrow queue table ticket_escalation_queue, locking the queue entry
// and the ticket. Rows another sweeper or a change holds are skipped; entries it has
// just escalated no longer match when re-checked under the lock.
// The two tables share no column name, so the ticket columns need no prefix.
const sweepSQL = `SELECT ` + ticketColumns + `
	FROM ticket_escalation_queue q JOIN tickets t ON t.id = q.ticket_id
	WHERE q.due_at <= $1
	ORDER BY q.due_at
	LIMIT $2
	FOR UPDATE SKIP LOCKED`

// SweepQuery is the query Sweep runs, for EXPLAIN in benchmarks and operations.
const SweepQuery = sweepSQL

func (s *SLAStore) Sweep(ctx context.Context, now time.Time, limit int) (es []tickets.Escalation, err error) {
	defer apperr.Wrap(&err, "SLA.Sweep")
	if limit <= 0 {
		return nil, apperr.Errorf(apperr.Invalid, "the sweep limit must be positive")
	}
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		es = es[:0]
		rows, err := tx.Query(ctx, sweepSQL, now, limit)
		if err != nil {
			return err
		}
		ts, err := collectTickets(rows)
		if err != nil || len(ts) == 0 {
			return err
		}
		// Set-based writes: three statements per batch of tickets, whatever its size.
		var up escalationRows
		var evs eventRows
		var notes noticeRows
		for i := range ts {
			t := &ts[i]
			bs, tevs := tickets.Escalate(t, now)
			up.add(*t)
			if len(bs) == 0 {
				continue
			}
			if err := evs.add(t.ID, tevs); err != nil {
				return err
			}
			dep := t.WithDepartment()
			if dep != "" {
				if err := notes.add(*t, dep, "ticket.escalated", now, bs); err != nil {
					return err
				}
			}
			es = append(es, tickets.Escalation{TicketID: t.ID, Reference: t.Reference, Department: dep,
				Level: t.EscalationLevel, Breaches: bs})
		}
		var b pgx.Batch
		up.queue(&b)
		evs.queue(&b)
		notes.queue(&b)
		return sendBatch(ctx, tx, &b)
	})
	if err != nil {
		return nil, err
	}
	return es, nil
}

// escalationRows are the escalation columns of tickets, written with one UPDATE.
type escalationRows struct {
	ids                                  []int64
	responseBreached, resolutionBreached []*time.Time
	levels                               []int
	lastEscalated, nextEscalation        []*time.Time
}

func (r *escalationRows) add(t tickets.Ticket) {
	r.ids = append(r.ids, t.ID)
	r.responseBreached = append(r.responseBreached, t.ResponseBreachedAt)
	r.resolutionBreached = append(r.resolutionBreached, t.ResolutionBreachedAt)
	r.levels = append(r.levels, t.EscalationLevel)
	r.lastEscalated = append(r.lastEscalated, t.LastEscalatedAt)
	r.nextEscalation = append(r.nextEscalation, t.NextEscalationAt)
}

func (r *escalationRows) queue(b *pgx.Batch) {
	if len(r.ids) == 0 {
		return
	}
	b.Queue(`UPDATE tickets t SET response_breached_at = u.rb, resolution_breached_at = u.sb,
			escalation_level = u.level, last_escalated_at = u.le, next_escalation_at = u.nx
		FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[], $4::int[], $5::timestamptz[],
			$6::timestamptz[]) AS u(id, rb, sb, level, le, nx)
		WHERE t.id = u.id`,
		r.ids, r.responseBreached, r.resolutionBreached, r.levels, r.lastEscalated, r.nextEscalation)
}

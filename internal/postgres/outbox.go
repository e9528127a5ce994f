package postgres

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/tickets"
)

// OutboxStore is the PostgreSQL tickets.Outbox.
type OutboxStore struct{ db *DB }

var _ tickets.Outbox = (*OutboxStore)(nil)

// Outbox returns the outbox of notifications to departments.
func (db *DB) Outbox() *OutboxStore { return &OutboxStore{db: db} }

func (s *OutboxStore) Claim(ctx context.Context, worker string, n int, now time.Time, lease time.Duration) (ms []tickets.Message, err error) {
	defer apperr.Wrap(&err, "Outbox.Claim")
	if n <= 0 || lease <= 0 {
		return nil, apperr.Errorf(apperr.Invalid, "claim a positive number of messages for a positive lease")
	}
	var b [8]byte
	rand.Read(b[:])
	token := int64(binary.BigEndian.Uint64(b[:]) >> 1)
	// A message waits while an earlier one of the same ticket is unfinished, so a
	// department never sees "resolved" before "assigned". Claiming moves the message's
	// due time to the end of the lease: if this worker dies, it is claimed again then.
	rows, err := s.db.Pool.Query(ctx, `
		WITH due AS (
			SELECT o.id FROM ticket_outbox o
			WHERE o.done_at IS NULL AND o.next_attempt_at <= $1
			  AND NOT EXISTS (SELECT 1 FROM ticket_outbox e
				WHERE e.ticket_id = o.ticket_id AND e.done_at IS NULL AND e.id < o.id)
			ORDER BY o.next_attempt_at, o.id
			LIMIT $2
			FOR UPDATE OF o SKIP LOCKED
		)
		UPDATE ticket_outbox o SET attempts = o.attempts + 1, next_attempt_at = $1 + $3 * interval '1 second',
			lease_owner = $4, lease_token = $5
		FROM due, departments d
		WHERE o.id = due.id AND d.code = o.department_code
		RETURNING o.id, o.ticket_id, o.department_code, o.topic, o.payload::text, o.created_at, o.attempts,
			d.webhook_url, d.webhook_secret, o.lease_token`,
		now, n, lease.Seconds(), worker, token)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (m tickets.Message, err error) {
		var payload string
		err = r.Scan(&m.ID, &m.TicketID, &m.Department, &m.Topic, &payload, &m.CreatedAt, &m.Attempt,
			&m.URL, &m.Secret, &m.LeaseToken)
		m.Payload = []byte(payload)
		return m, err
	})
}

func (s *OutboxStore) Record(ctx context.Context, m tickets.Message, a tickets.Attempt, retryAt time.Time) (err error) {
	defer apperr.Wrap(&err, "Outbox.Record(%d)", m.ID)
	var doneAt *time.Time
	var outcome *string
	if a.Outcome.Done() {
		doneAt = &a.At
		o := string(a.Outcome)
		outcome = &o
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		var b pgx.Batch
		b.Queue(`INSERT INTO ticket_outbox_attempts (outbox_id, attempt, at, duration_ms, url, status_code,
				outcome, error, worker)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			m.ID, a.Attempt, a.At, float64(a.Duration)/float64(time.Millisecond), a.URL,
			nullIfZero(a.StatusCode), a.Outcome, a.Error, a.Worker)
		// Only the holder of the current lease moves the message on.
		b.Queue(`UPDATE ticket_outbox SET done_at = $3, outcome = $4,
				next_attempt_at = CASE WHEN $3::timestamptz IS NULL THEN $5 ELSE next_attempt_at END,
				last_error = $6, lease_owner = '', lease_token = NULL
			WHERE id = $1 AND lease_token = $2 AND done_at IS NULL`,
			m.ID, m.LeaseToken, doneAt, outcome, retryAt, a.Error)
		return tx.SendBatch(ctx, &b).Close()
	})
}

func nullIfZero(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

func (s *OutboxStore) Backlog(ctx context.Context) (n int, err error) {
	defer apperr.Wrap(&err, "Outbox.Backlog")
	err = s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM ticket_outbox WHERE done_at IS NULL`).Scan(&n)
	return n, err
}

func (s *OutboxStore) Deliveries(ctx context.Context, ticketID int64) (ds []tickets.Delivery, err error) {
	defer apperr.Wrap(&err, "Outbox.Deliveries(%d)", ticketID)
	rows, err := s.db.Pool.Query(ctx, `SELECT id, department_code, topic, created_at, done_at,
			coalesce(outcome, ''), next_attempt_at
		FROM ticket_outbox WHERE ticket_id = $1 ORDER BY id`, ticketID)
	if err != nil {
		return nil, err
	}
	ds, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (d tickets.Delivery, err error) {
		err = r.Scan(&d.ID, &d.Department, &d.Topic, &d.CreatedAt, &d.DoneAt, &d.Outcome, &d.NextAt)
		return d, err
	})
	if err != nil || len(ds) == 0 {
		return ds, err
	}
	rows, err = s.db.Pool.Query(ctx, `SELECT a.outbox_id, a.attempt, a.at, a.duration_ms, a.url,
			coalesce(a.status_code, 0), a.outcome, a.error, a.worker
		FROM ticket_outbox_attempts a JOIN ticket_outbox o ON o.id = a.outbox_id
		WHERE o.ticket_id = $1 ORDER BY a.id`, ticketID)
	if err != nil {
		return nil, err
	}
	as, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (a tickets.Attempt, err error) {
		var ms float64
		err = r.Scan(&a.MessageID, &a.Attempt, &a.At, &ms, &a.URL, &a.StatusCode, &a.Outcome, &a.Error, &a.Worker)
		a.Duration = time.Duration(ms * float64(time.Millisecond))
		return a, err
	})
	if err != nil {
		return nil, err
	}
	byID := map[int64]*tickets.Delivery{}
	for i := range ds {
		byID[ds[i].ID] = &ds[i]
	}
	for _, a := range as {
		d := byID[a.MessageID]
		d.Attempts = append(d.Attempts, a)
	}
	return ds, nil
}

package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/tickets/sweeper"
)

// BenchmarkSweep1M sweeps a year of tickets: 1,000,000 rows, one every 30 seconds,
// the last 30,000 (about ten days) still open. About 10,000 of those are past a
// deadline; the sweeper must find them through the index of its queue table and
// escalate each once. The rows are made by one INSERT ... SELECT over generate_series. It prints
// the sweep query's plan with EXPLAIN (ANALYZE) and reports the time of a whole sweep.
// Being a benchmark, it runs only with -bench:
//
//	go test -run '^$' -bench Sweep1M -benchtime 3x ./internal/postgres/
func BenchmarkSweep1M(b *testing.B) {
	if testing.Short() {
		b.Skip("a million rows; skipped with -short")
	}
	ctx := context.Background()
	db, _ := ticketDB(b)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	pol, err := db.SLA().Policies(ctx, "pothole", false)
	if err != nil || len(pol) != 1 {
		b.Fatalf("pothole policy: %v %v", pol, err)
	}

	start := time.Now()
	tag, err := db.Pool.Exec(ctx, `
		INSERT INTO tickets (id, reference, channel, caller_number, service_code, department_code, status, priority,
			address, area, sla_policy_id, sla_policy_version, response_due_at, resolution_due_at,
			acknowledged_at, resolved_at, closed_at, next_escalation_at, created_at, updated_at)
		OVERRIDING SYSTEM VALUE
		SELECT i, '109-2025-' || lpad(i::text, 7, '0'), (ARRAY['phone', 'web', 'social', 'api'])[1 + i % 4],
			'+7701' || lpad((i % 400000)::text, 7, '0'), 'pothole', 'roads', s.status, 'normal',
			'ул. Кенесары, ' || (i % 3000), (ARRAY['Алматинский', 'Байконурский', 'Есильский', 'Сарыаркинский', 'Нура'])[1 + i % 5],
			$2, $3, c.at + $4 * interval '1 second', c.at + $5 * interval '1 second',
			CASE WHEN s.status IN ('acknowledged', 'in_progress', 'closed') THEN c.at + interval '1 hour' END,
			CASE WHEN s.status = 'closed' THEN c.at + interval '2 days' END,
			CASE WHEN s.status = 'closed' THEN c.at + interval '3 days' END,
			CASE s.status WHEN 'assigned' THEN c.at + $4 * interval '1 second'
				WHEN 'closed' THEN NULL ELSE c.at + $5 * interval '1 second' END,
			c.at, c.at
		FROM generate_series(1, 1000000) AS i,
			LATERAL (SELECT $1::timestamptz - i * interval '30 seconds' AS at) AS c,
			LATERAL (SELECT CASE WHEN i > 30000 THEN 'closed'
				ELSE (ARRAY['assigned', 'acknowledged', 'in_progress'])[1 + i % 3] END AS status) AS s`,
		now, pol[0].ID, pol[0].Version, pol[0].RespondWithin.Seconds(), pol[0].ResolveWithin.Seconds())
	if err != nil {
		b.Fatal(err)
	}
	// The rows bypassed the store, so their queue entries are made the same way.
	if _, err := db.Pool.Exec(ctx, `INSERT INTO ticket_escalation_queue (ticket_id, due_at)
		SELECT id, next_escalation_at FROM tickets WHERE next_escalation_at IS NOT NULL`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `SELECT setval(pg_get_serial_sequence('tickets', 'id'), 1000000)`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `ANALYZE tickets, ticket_escalation_queue`); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("inserted %d tickets with one INSERT ... SELECT generate_series in %s\n", tag.RowsAffected(), time.Since(start).Round(time.Millisecond))

	var due int
	db.Pool.QueryRow(ctx, `SELECT count(*) FROM tickets WHERE next_escalation_at <= $1`, now).Scan(&due)
	fmt.Printf("tickets due for escalation: %d of 1000000\n", due)
	plan := explain(b, db, postgres.SweepQuery, now, 500)
	// Printed rather than logged: benchmark logs are cut after a few lines.
	fmt.Printf("EXPLAIN (ANALYZE, BUFFERS) of one sweep batch (500 of %d due tickets among 1,000,000):\n%s\n\n", due, plan)
	if !strings.Contains(plan, "ticket_escalation_queue_due") {
		b.Fatalf("the sweep does not use its index:\n%s", plan)
	}
	fmt.Printf("EXPLAIN (ANALYZE, BUFFERS) of the overdue count:\n%s\n\n", explain(b, db, `SELECT count(*) FROM tickets
		WHERE ((acknowledged_at IS NULL AND status IN ('registered', 'assigned', 'reopened') AND response_due_at < $1)
		   OR (resolved_at IS NULL AND status IN ('registered', 'assigned', 'acknowledged', 'in_progress', 'reopened')
		       AND resolution_due_at < $1))`, now))

	// The million rows are made once; each sub-benchmark sweeps them b.N times, with
	// one worker and with two (the default), side by side.
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("sweep-workers=%d", workers), func(b *testing.B) {
			s := &sweeper.Sweeper{SLA: db.SLA(), Now: func() time.Time { return now }, Batch: 500, Workers: workers}
			escalated := 0
			var swept time.Duration
			for range b.N {
				b.StopTimer()
				// Every round starts from the same state: the open tickets not yet escalated.
				if _, err := db.Pool.Exec(ctx, `UPDATE tickets SET escalation_level = 0, response_breached_at = NULL,
						resolution_breached_at = NULL, last_escalated_at = NULL,
						next_escalation_at = CASE WHEN acknowledged_at IS NULL THEN response_due_at ELSE resolution_due_at END
					WHERE id <= 30000`); err != nil {
					b.Fatal(err)
				}
				// The re-arming leaves 30,000 dead row versions, which autovacuum would
				// clear in service (it is off on some servers): clear them here too, or
				// every round would run on a more bloated table than the one before.
				if _, err := db.Pool.Exec(ctx, `VACUUM tickets, ticket_escalation_queue`); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				t := time.Now()
				es, err := s.SweepOnce(ctx)
				if err != nil {
					b.Fatal(err)
				}
				swept += time.Since(t)
				escalated += len(es)
				if len(es) != due {
					b.Fatalf("escalated %d tickets, want %d", len(es), due)
				}
			}
			b.ReportMetric(float64(escalated)/float64(b.N), "tickets/sweep")
			b.ReportMetric(float64(escalated)/swept.Seconds(), "escalations/s")
			b.ReportMetric(float64(swept.Milliseconds())/float64(b.N), "ms/sweep")
		})
	}
	var hot, all int64
	db.Pool.QueryRow(ctx, `SELECT n_tup_hot_upd, n_tup_upd FROM pg_stat_user_tables WHERE relname = 'tickets'`).Scan(&hot, &all)
	fmt.Printf("tickets updated in place (HOT): %d of %d updates\n", hot, all)
}

// explain runs EXPLAIN (ANALYZE, BUFFERS) of q in a transaction it rolls back, since
// the sweep query locks what it reads.
func explain(b *testing.B, db *postgres.DB, q string, args ...any) string {
	b.Helper()
	ctx := context.Background()
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+q, args...)
	if err != nil {
		b.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		b.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

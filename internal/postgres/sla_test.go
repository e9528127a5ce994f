package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/tickets"
)

func TestPolicyVersions(t *testing.T) {
	ctx := context.Background()
	db, clk := ticketDB(t)
	sla := db.SLA()
	p1, err := sla.SetPolicy(ctx, tickets.Policy{ServiceCode: "bus_stop", Priority: tickets.Low,
		RespondWithin: 24 * time.Hour, ResolveWithin: 120 * time.Hour}, admin)
	if err != nil || p1.Version != 1 {
		t.Fatalf("first policy = %+v, %v", p1, err)
	}
	tk, err := db.Tickets().Create(ctx, tickets.NewTicket{Channel: tickets.Web, ServiceCode: "bus_stop"}, operator)
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Hour)
	p2, err := sla.SetPolicy(ctx, tickets.Policy{ServiceCode: "bus_stop", Priority: tickets.Low,
		RespondWithin: 4 * time.Hour, ResolveWithin: 48 * time.Hour}, admin)
	if err != nil || p2.Version != 2 || p2.RespondWithin != 4*time.Hour {
		t.Fatalf("second policy = %+v, %v", p2, err)
	}
	current, _ := sla.Policies(ctx, "bus_stop", false)
	all, _ := sla.Policies(ctx, "bus_stop", true)
	if len(current) != 1 || current[0].ID != p2.ID || len(all) != 2 || all[0].SupersededAt == nil {
		t.Fatalf("current %+v, history %+v", current, all)
	}
	got, _ := db.Tickets().Get(ctx, tk.ID)
	if got.SLA.PolicyID != p1.ID || !got.SLA.ResolutionDueAt.Equal(t0.Add(120*time.Hour)) {
		t.Fatalf("the ticket's SLA follows the new policy: %+v", got.SLA)
	}
	next, _ := db.Tickets().Create(ctx, tickets.NewTicket{Channel: tickets.Web, ServiceCode: "bus_stop"}, operator)
	if next.SLA.PolicyID != p2.ID {
		t.Fatalf("a new ticket got policy %d, want %d", next.SLA.PolicyID, p2.ID)
	}
	for _, bad := range []tickets.Policy{
		{ServiceCode: "bus_stop", Priority: tickets.Low, RespondWithin: time.Hour, ResolveWithin: time.Minute},
		{ServiceCode: "bus_stop", Priority: "urgent", RespondWithin: time.Hour, ResolveWithin: time.Hour},
	} {
		if _, err := sla.SetPolicy(ctx, bad, admin); apperr.Code(err) != apperr.Invalid {
			t.Fatalf("SetPolicy(%+v) = %v", bad, err)
		}
	}
	if _, err := sla.SetPolicy(ctx, tickets.Policy{ServiceCode: "teleport", Priority: tickets.Low,
		RespondWithin: time.Hour, ResolveWithin: time.Hour}, admin); apperr.Code(err) != apperr.NotFound {
		t.Fatalf("policy for an unknown category: %v", err)
	}
}

// overdueTickets creates n assigned emergency tickets (react within 30 min) at t0.
func overdueTickets(tb testing.TB, s interface {
	Create(context.Context, tickets.NewTicket, tickets.Actor) (tickets.Ticket, error)
}, n int) []tickets.Ticket {
	tb.Helper()
	out := make([]tickets.Ticket, n)
	for i := range n {
		tk, err := s.Create(context.Background(), tickets.NewTicket{Channel: tickets.Web, ServiceCode: "fallen_wire"}, operator)
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = tk
	}
	return out
}

func TestSweepersRunningAtOnceEscalateOnce(t *testing.T) {
	ctx := context.Background()
	db, _ := ticketDB(t)
	const n = 60
	ts := overdueTickets(t, db.Tickets(), n)
	if es, err := db.SLA().Sweep(ctx, t0.Add(29*time.Minute), 100); err != nil || len(es) != 0 {
		t.Fatalf("sweep before the deadline = %v, %v", es, err)
	}
	now := t0.Add(31 * time.Minute)
	for round := range 2 { // the second round finds nothing left to do
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := 0
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					es, err := db.SLA().Sweep(ctx, now, 7)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					total += len(es)
					mu.Unlock()
					if len(es) == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		want := n
		if round == 1 {
			want = 0
		}
		if total != want {
			t.Fatalf("round %d: %d escalations, want %d", round, total, want)
		}
	}
	for _, tk := range ts {
		got, _ := db.Tickets().Get(ctx, tk.ID)
		if got.EscalationLevel != 1 || got.ResponseBreachedAt == nil || !got.NextEscalationAt.Equal(t0.Add(6*time.Hour)) {
			t.Fatalf("ticket %d after the sweeps: level %d next %v", tk.ID, got.EscalationLevel, got.NextEscalationAt)
		}
	}
	if k := count(t, db, `SELECT count(*) FROM ticket_events WHERE type = 'sla_breached'`); k != n {
		t.Fatalf("%d breach events, want %d", k, n)
	}
	if k := count(t, db, `SELECT count(*) FROM ticket_outbox WHERE topic = 'ticket.escalated'`); k != n {
		t.Fatalf("%d escalation notices, want %d", k, n)
	}
	var dep string
	db.Pool.QueryRow(ctx, `SELECT department_code FROM ticket_outbox WHERE topic = 'ticket.escalated' LIMIT 1`).Scan(&dep)
	if dep != "power" {
		t.Fatalf("escalation went to %q", dep)
	}

	t.Run("acknowledging stops the response clock; resolution is next", func(t *testing.T) {
		tk, _ := db.Tickets().Get(ctx, ts[0].ID)
		power := tickets.Actor{Role: "department", Name: "Power", Subject: "power"}
		db.Now = func() time.Time { return t0.Add(40 * time.Minute) }
		tk, err := db.Tickets().Transition(ctx, tk.ID, tickets.Transition{Version: tk.Version, To: tickets.Resolved, Note: "wire fixed"}, power)
		if err != nil {
			t.Fatal(err)
		}
		es, err := db.SLA().Sweep(ctx, t0.Add(7*time.Hour), 1000)
		if err != nil || len(es) != n-1 {
			t.Fatalf("resolution sweep: %d escalations, %v; want %d", len(es), err, n-1)
		}
		for _, e := range es {
			if e.TicketID == tk.ID {
				t.Fatal("a resolved ticket was escalated")
			}
			if e.Level != 2 || len(e.Breaches) != 1 || e.Breaches[0].Kind != tickets.ResolutionBreach {
				t.Fatalf("escalation = %+v", e)
			}
		}
		queueMatchesTickets(t, db)
		if k := count(t, db, `SELECT count(*) FROM ticket_escalation_queue WHERE ticket_id = $1`, tk.ID); k != 0 {
			t.Fatalf("the resolved ticket is still queued for escalation")
		}
	})
}

// queueMatchesTickets checks that the sweeper's queue holds exactly the tickets with
// an escalation ahead, each at its time.
func queueMatchesTickets(tb testing.TB, db *postgres.DB) {
	tb.Helper()
	bad := count(tb, db, `SELECT count(*) FROM tickets t FULL JOIN ticket_escalation_queue q ON q.ticket_id = t.id
		WHERE t.next_escalation_at IS DISTINCT FROM q.due_at`)
	if bad != 0 {
		tb.Fatalf("%d tickets and escalation queue entries disagree", bad)
	}
	if count(tb, db, `SELECT count(*) FROM ticket_escalation_queue`) == 0 {
		tb.Fatalf("the escalation queue is empty")
	}
}

package postgres_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/testenv"
	"github.com/ikomek/ikomek/internal/tickets"
)

var (
	t0       = time.Date(2026, 1, 12, 7, 0, 0, 0, time.UTC)
	operator = tickets.Actor{Role: "operator", Name: "Aigerim", Subject: "aigerim", TokenID: 1}
	admin    = tickets.Actor{Role: "admin", Name: "Admin"}
	waterDep = tickets.Actor{Role: "department", Name: "Water dispatch", Subject: "water"}
)

// clock is a settable time for db.Now.
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

// ticketDB is a fresh database with the city catalogue loaded and a clock at t0.
func ticketDB(tb testing.TB) (*postgres.DB, *clock) {
	tb.Helper()
	db := testenv.Postgres(tb)
	c := &clock{}
	c.Set(t0)
	db.Now = c.Now
	if _, err := tickets.LoadSeed(context.Background(), db.Catalog(), db.SLA(), tickets.CitySeed(), admin); err != nil {
		tb.Fatal(err)
	}
	return db, c
}

// newCall records a call the way the call path does, without depending on its store.
func newCall(tb testing.TB, db *postgres.DB, channel, caller string) int64 {
	tb.Helper()
	var id int64
	err := db.Pool.QueryRow(context.Background(), `INSERT INTO calls (asterisk_id, channel_id, line, caller_number, arrived_at)
		VALUES ('ast1', $1, '109', $2, $3) RETURNING id`, channel, caller, t0).Scan(&id)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func count(tb testing.TB, db *postgres.DB, sql string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func eventTypes(tb testing.TB, s *postgres.TicketStore, id int64) string {
	tb.Helper()
	evs, err := s.Events(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		x := string(e.Type)
		if e.To != "" {
			x += ":" + string(e.To)
		}
		out = append(out, x)
	}
	return strings.Join(out, " ")
}

func TestOneTicketPerCallUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	db, _ := ticketDB(t)
	s := db.Tickets()
	callID := newCall(t, db, "ch-1", "8 701 555 00 11")

	const racers = 8
	var wg sync.WaitGroup
	var created atomic.Int32
	ids := make([]int64, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk, ok, err := s.CreateForCall(ctx, tickets.CallTicket{CallID: callID, CallerNumber: "8 701 555 00 11",
				Line: "109", ArrivedAt: t0})
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				created.Add(1)
			}
			ids[i] = tk.ID
		}()
	}
	wg.Wait()
	if created.Load() != 1 {
		t.Fatalf("%d racers created a ticket, want 1", created.Load())
	}
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("racers got different tickets: %v", ids)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM tickets WHERE call_id = $1`, callID); n != 1 {
		t.Fatalf("%d tickets for the call", n)
	}
	tk, err := s.Get(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if tk.Channel != tickets.Phone || tk.Status != tickets.Registered || tk.ServiceCode != "" ||
		// Racers that lost may have used up reference numbers: unique, not gap-free.
		tk.Caller.Number != "+77015550011" || !strings.HasPrefix(tk.Reference, "109-2026-") || !tk.CreatedAt.Equal(t0) {
		t.Fatalf("call ticket = %+v", tk)
	}

	t.Run("a call that does not exist gets no ticket", func(t *testing.T) {
		_, _, err := s.CreateForCall(ctx, tickets.CallTicket{CallID: 987654, Line: "109"})
		if apperr.Code(err) != apperr.NotFound {
			t.Fatalf("err = %v, want not_found", err)
		}
	})
	t.Run("operator and recording are recorded without a version change", func(t *testing.T) {
		if err := s.SetCallOperator(ctx, tk.ID, "aigerim"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetCallOperator(ctx, tk.ID, "aigerim"); err != nil { // the same again: no event
			t.Fatal(err)
		}
		if err := s.LinkRecording(ctx, tk.ID, 4242); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Get(ctx, tk.ID)
		if got.OperatorLogin != "aigerim" || got.RecordingID == nil || *got.RecordingID != 4242 || got.Version != tk.Version {
			t.Fatalf("ticket = %+v", got)
		}
		if ev := eventTypes(t, s, tk.ID); ev != "created:registered operator_set recording_linked" {
			t.Fatalf("events = %s", ev)
		}
		if err := s.LinkRecording(ctx, 999999, 1); apperr.Code(err) != apperr.NotFound {
			t.Fatalf("LinkRecording(missing) = %v", err)
		}
	})
}

func TestPhoneTicketFilledDuringCall(t *testing.T) {
	ctx := context.Background()
	db, clk := ticketDB(t)
	s := db.Tickets()
	callID := newCall(t, db, "ch-2", "+77017770000")
	tk, _, err := s.CreateForCall(ctx, tickets.CallTicket{CallID: callID, CallerNumber: "+77017770000", Line: "109", ArrivedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(3 * time.Minute)
	code, addr, desc := "no_heating", "ул. Кенесары, 40, кв. 12", "Батареи холодные со вчерашнего вечера"
	tk, err = s.Update(ctx, tk.ID, tickets.Patch{Version: tk.Version, ServiceCode: &code, Address: &addr,
		Description: &desc, Attributes: map[string][]string{"scope": {"building"}}}, operator)
	if err != nil {
		t.Fatal(err)
	}
	// no_heating/high has its own policy: 1 h to react, 12 h to resolve, from the call.
	if tk.SLA == nil || !tk.SLA.ResponseDueAt.Equal(t0.Add(time.Hour)) || !tk.SLA.ResolutionDueAt.Equal(t0.Add(12*time.Hour)) ||
		tk.SLA.PolicyVersion != 1 || tk.Priority != tickets.High || tk.DepartmentCode != "heating" || tk.Version != 2 {
		t.Fatalf("categorised ticket = %+v SLA %+v", tk, tk.SLA)
	}
	if tk.NextEscalationAt == nil || !tk.NextEscalationAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("next escalation = %v", tk.NextEscalationAt)
	}
	// The registered ticket reached no department yet.
	if n := count(t, db, `SELECT count(*) FROM ticket_outbox WHERE ticket_id = $1`, tk.ID); n != 0 {
		t.Fatalf("%d outbox messages before assignment", n)
	}

	t.Run("a later policy change does not move the deadlines", func(t *testing.T) {
		if _, err := db.SLA().SetPolicy(ctx, tickets.Policy{ServiceCode: "no_heating", Priority: tickets.High,
			RespondWithin: 10 * time.Minute, ResolveWithin: time.Hour}, admin); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Get(ctx, tk.ID)
		if !got.SLA.ResponseDueAt.Equal(t0.Add(time.Hour)) || got.SLA.PolicyVersion != 1 {
			t.Fatalf("deadlines moved: %+v", got.SLA)
		}
	})

	clk.Add(2 * time.Minute)
	tk, err = s.Transition(ctx, tk.ID, tickets.Transition{Version: tk.Version, To: tickets.Assigned}, operator)
	if err != nil {
		t.Fatal(err)
	}
	var topic, dep string
	if err := db.Pool.QueryRow(ctx, `SELECT topic, department_code FROM ticket_outbox WHERE ticket_id = $1`, tk.ID).Scan(&topic, &dep); err != nil {
		t.Fatal(err)
	}
	if topic != "ticket.assigned" || dep != "heating" {
		t.Fatalf("outbox = %s to %s", topic, dep)
	}

	t.Run("the department answers back on its own ticket only", func(t *testing.T) {
		heating := tickets.Actor{Role: "department", Name: "Heating", Subject: "heating"}
		if _, err := s.Transition(ctx, tk.ID, tickets.Transition{Version: tk.Version, To: tickets.Acknowledged}, waterDep); apperr.Code(err) != apperr.NotFound {
			t.Fatalf("another department acknowledged: %v", err)
		}
		tk, err = s.Transition(ctx, tk.ID, tickets.Transition{Version: tk.Version, To: tickets.Acknowledged}, heating)
		if err != nil {
			t.Fatal(err)
		}
		tk, err = s.Transition(ctx, tk.ID, tickets.Transition{Version: tk.Version, To: tickets.Resolved,
			Note: "Воздух спущен, отопление восстановлено"}, heating)
		if err != nil {
			t.Fatal(err)
		}
		if tk.AcknowledgedAt == nil || tk.ResolvedAt == nil || tk.NextEscalationAt != nil || tk.StatusNotes == "" {
			t.Fatalf("resolved ticket = %+v", tk)
		}
		// The department is not notified of its own changes.
		if n := count(t, db, `SELECT count(*) FROM ticket_outbox WHERE ticket_id = $1`, tk.ID); n != 1 {
			t.Fatalf("%d outbox messages", n)
		}
	})
	want := "created:registered updated categorised status_changed:assigned status_changed:acknowledged status_changed:resolved"
	if ev := eventTypes(t, s, tk.ID); ev != want {
		t.Fatalf("events = %s\nwant     %s", ev, want)
	}
	evs, _ := s.Events(ctx, tk.ID)
	if evs[1].Actor != operator {
		t.Fatalf("the update's actor = %+v", evs[1].Actor)
	}
}

func TestConcurrentUpdateOneWins(t *testing.T) {
	ctx := context.Background()
	db, _ := ticketDB(t)
	s := db.Tickets()
	tk, err := s.Create(ctx, tickets.NewTicket{Channel: tickets.Web, ServiceCode: "pothole", Address: "пр. Абая, 10"}, operator)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 5 {
		addrs := []string{fmt.Sprintf("пр. Республики, %d", round), fmt.Sprintf("ул. Сарайшык, %d", round)}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = s.Update(ctx, tk.ID, tickets.Patch{Version: tk.Version, Address: &addrs[i]}, operator)
			}()
		}
		close(start)
		wg.Wait()
		var winner = -1
		for i, err := range errs {
			switch apperr.Code(err) {
			case "":
				if winner >= 0 {
					t.Fatalf("round %d: both writers won", round)
				}
				winner = i
			case apperr.Conflict:
			default:
				t.Fatalf("round %d: writer %d: %v", round, i, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: nobody won: %v", round, errs)
		}
		got, _ := s.Get(ctx, tk.ID)
		if got.Address != addrs[winner] || got.Version != tk.Version+1 {
			t.Fatalf("round %d: address %q version %d, want the winner's %q at %d", round, got.Address, got.Version,
				addrs[winner], tk.Version+1)
		}
		tk = got
	}
	if n := count(t, db, `SELECT count(*) FROM ticket_events WHERE ticket_id = $1 AND type = 'updated'`, tk.ID); n != 5 {
		t.Fatalf("%d update events, want one per winner", n)
	}
}

func TestTheDatabaseRefusesDeletionAndRewriting(t *testing.T) {
	ctx := context.Background()
	db, _ := ticketDB(t)
	tk, err := db.Tickets().Create(ctx, tickets.NewTicket{Channel: tickets.Web, ServiceCode: "pothole"}, operator)
	if err != nil {
		t.Fatal(err)
	}
	// The tests connect as a superuser: only the triggers stand in the way.
	for _, sql := range []string{
		`DELETE FROM tickets WHERE id = $1`,
		`UPDATE ticket_events SET reason = 'rewritten' WHERE ticket_id = $1`,
		`DELETE FROM ticket_events WHERE ticket_id = $1`,
		`TRUNCATE tickets CASCADE`,
		`TRUNCATE ticket_events`,
		`DELETE FROM category_routing_changes`,
		`DELETE FROM sla_policies`,
		`UPDATE sla_policies SET respond_within = interval '1 year'`,
	} {
		t.Run(sql, func(t *testing.T) {
			var args []any
			if strings.Contains(sql, "$1") {
				args = append(args, tk.ID)
			}
			_, err := db.Pool.Exec(ctx, sql, args...)
			if err == nil || !strings.Contains(err.Error(), "not allowed") {
				t.Fatalf("%s: err = %v, want a refusal", sql, err)
			}
		})
	}
	if n := count(t, db, `SELECT count(*) FROM ticket_events WHERE ticket_id = $1 AND reason = 'rewritten'`, tk.ID); n != 0 {
		t.Fatal("an event was rewritten")
	}
	if _, err := db.Tickets().Get(ctx, tk.ID); err != nil {
		t.Fatal(err)
	}
}

// TestTheApplicationRoleCannotDelete migrates a database as the application's role
// "ikomek" (its owner, as in production) and shows that even with the triggers
// disabled by the owner, the revoked privileges still refuse deletion.
func TestTheApplicationRoleCannotDelete(t *testing.T) {
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, testenv.AdminDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ikomek')`).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if !exists {
		t.Skip("no ikomek role on this server")
	}
	name := "ikomek_t_owner_" + testenv.RandomSuffix(8)
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+name+` OWNER ikomek`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), testenv.AdminDSN())
		if err == nil {
			c.Exec(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
			c.Close(context.Background())
		}
	})
	dsn := testenv.DSNAs("ikomek", name)
	if _, err := postgres.Migrate(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := tickets.LoadSeed(ctx, db.Catalog(), db.SLA(), tickets.CitySeed(), admin2()); err != nil {
		t.Fatal(err)
	}
	tk, err := db.Tickets().Create(ctx, tickets.NewTicket{Channel: tickets.Web, ServiceCode: "pothole"}, operator)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `DELETE FROM tickets WHERE id = $1`, tk.ID); err == nil {
		t.Fatal("the application role deleted a ticket")
	}
	// The owner may disable its triggers; the privileges it gave up still hold.
	if _, err := db.Pool.Exec(ctx, `ALTER TABLE tickets DISABLE TRIGGER USER`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `ALTER TABLE ticket_events DISABLE TRIGGER USER`); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{`DELETE FROM tickets WHERE id = $1`, `DELETE FROM ticket_events WHERE ticket_id = $1`,
		`UPDATE ticket_events SET reason = 'x' WHERE ticket_id = $1`} {
		_, err := db.Pool.Exec(ctx, sql, tk.ID)
		if err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Fatalf("%s as the owner with triggers disabled: %v", sql, err)
		}
	}
}

func admin2() tickets.Actor { return tickets.Actor{Role: "admin", Name: "Setup"} }

func TestDuplicateAttachesTheCaller(t *testing.T) {
	ctx := context.Background()
	db, _ := ticketDB(t)
	s := db.Tickets()
	first, err := s.Create(ctx, tickets.NewTicket{Channel: tickets.Web, ServiceCode: "pothole", Address: "пр. Туран, 24",
		Caller: tickets.Caller{Number: "87011111111", FirstName: "Асель"}}, operator)
	if err != nil {
		t.Fatal(err)
	}
	callID := newCall(t, db, "ch-dup", "87022222222")
	second, _, err := s.CreateForCall(ctx, tickets.CallTicket{CallID: callID, CallerNumber: "87022222222", Line: "109"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Transition(ctx, second.ID, tickets.Transition{Version: second.Version, To: tickets.Duplicate}, operator); apperr.Code(err) != apperr.Invalid {
		t.Fatalf("duplicate without the original: %v", err)
	}
	second, err = s.Transition(ctx, second.ID, tickets.Transition{Version: second.Version, To: tickets.Duplicate,
		DuplicateOf: first.ID}, operator)
	if err != nil {
		t.Fatal(err)
	}
	if second.Status != tickets.Duplicate || second.DuplicateOf == nil || *second.DuplicateOf != first.ID {
		t.Fatalf("duplicate = %+v", second)
	}
	v, err := s.View(ctx, first.ID)
	if rs := v.Reporters; err != nil || len(rs) != 1 || rs[0].CallerNumber != "+77022222222" || rs[0].ReporterTicketID != second.ID {
		t.Fatalf("reporters = %+v, %v", rs, err)
	}
	if v.Ticket.ID != first.ID || len(v.Events) == 0 || v.Events[len(v.Events)-1].Type != "reporter_attached" {
		t.Fatalf("view = %+v", v)
	}
	if _, err := s.View(ctx, first.ID+1000); apperr.Code(err) != apperr.NotFound {
		t.Fatalf("view of no ticket: %v", err)
	}
	if ev := eventTypes(t, s, first.ID); !strings.HasSuffix(ev, "reporter_attached") {
		t.Fatalf("original's events = %s", ev)
	}
	// The second caller finds the original among their tickets.
	ts, err := s.CallerTickets(ctx, "+7 702 222 22 22", 10)
	if err != nil || len(ts) != 2 {
		t.Fatalf("caller tickets = %d, %v", len(ts), err)
	}
	// A third report pointing at the duplicate lands on the original.
	third, _ := s.Create(ctx, tickets.NewTicket{Channel: tickets.Social, ServiceCode: "pothole"}, operator)
	third, err = s.Transition(ctx, third.ID, tickets.Transition{Version: third.Version, To: tickets.Duplicate,
		DuplicateOf: second.ID}, operator)
	if err != nil || *third.DuplicateOf != first.ID {
		t.Fatalf("third = %+v, %v", third, err)
	}
}

func TestAnonymiseKeepsTheTicket(t *testing.T) {
	ctx := context.Background()
	db, clk := ticketDB(t)
	s := db.Tickets()
	old, err := s.Create(ctx, tickets.NewTicket{Channel: tickets.API, ServiceCode: "info_request",
		Answer: "ЦОН Алматинского района: ул. Кенесары, 40", Description: "Где ближайший ЦОН?",
		Caller: tickets.Caller{Number: "87013334455", FirstName: "Ерлан", LastName: "Сапаров", Email: "e@example.kz",
			DeviceID: "dev-1", AccountID: "acc-1"}}, operator)
	if err != nil {
		t.Fatal(err)
	}
	open, err := s.Create(ctx, tickets.NewTicket{Channel: tickets.Web, ServiceCode: "pothole",
		Caller: tickets.Caller{Number: "87013334455"}}, operator)
	if err != nil {
		t.Fatal(err)
	}
	dup, _ := s.Create(ctx, tickets.NewTicket{Channel: tickets.Web, ServiceCode: "pothole",
		Caller: tickets.Caller{Number: "87019998877", FirstName: "Дана"}}, operator)
	if _, err := s.Transition(ctx, dup.ID, tickets.Transition{Version: dup.Version, To: tickets.Duplicate, DuplicateOf: open.ID}, operator); err != nil {
		t.Fatal(err)
	}
	eventsBefore := count(t, db, `SELECT count(*) FROM ticket_events`)
	clk.Add(3 * 365 * 24 * time.Hour)
	n, err := s.Anonymise(ctx, clk.Now().Add(-2*365*24*time.Hour), tickets.System("retention"))
	if err != nil || n != 2 {
		t.Fatalf("Anonymise = %d, %v; want the closed ticket and the duplicate", n, err)
	}
	got, _ := s.Get(ctx, old.ID)
	if got.Caller != (tickets.Caller{}) || got.AnonymisedAt == nil {
		t.Fatalf("caller after anonymisation = %+v", got.Caller)
	}
	if got.Description != old.Description || got.StatusNotes != old.StatusNotes || got.Version != old.Version || got.Status != tickets.Closed {
		t.Fatalf("the ticket itself changed: %+v", got)
	}
	if still, _ := s.Get(ctx, open.ID); still.Caller.Number != "+77013334455" {
		t.Fatalf("an open ticket was anonymised: %+v", still.Caller)
	}
	v, _ := s.View(ctx, open.ID)
	if rs := v.Reporters; len(rs) != 1 || rs[0].CallerNumber != "" || rs[0].CallerName != "" || rs[0].AnonymisedAt == nil {
		t.Fatalf("the duplicate's reporter link kept personal data: %+v", rs)
	}
	if after := count(t, db, `SELECT count(*) FROM ticket_events`); after != eventsBefore+2 {
		t.Fatalf("events %d -> %d, want two anonymisation events", eventsBefore, after)
	}
	if n, _ := s.Anonymise(ctx, clk.Now().Add(-time.Hour), tickets.System("retention")); n != 0 {
		t.Fatalf("anonymised again: %d", n)
	}
}

func TestSearchAndCounts(t *testing.T) {
	ctx := context.Background()
	db, clk := ticketDB(t)
	s := db.Tickets()
	mk := func(code, addr, area, phone string) tickets.Ticket {
		t.Helper()
		tk, err := s.Create(ctx, tickets.NewTicket{Channel: tickets.Web, ServiceCode: code, Address: addr, Area: area,
			Caller: tickets.Caller{Number: phone}, Attributes: attrsFor(code)}, operator)
		if err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
		return tk
	}
	for i := range 3 {
		mk("flooding_private_house", fmt.Sprintf("мкр. Интернациональный, ул. %d", i), "Байконурский", "87010000001")
	}
	mk("pothole", "пр. Абая, 10", "Алматинский", "87010000002")
	mk("illegal_parking", "ул. Сыганак, 18", "Есильский", "")
	clk.Add(3 * time.Hour) // flooding (emergency: 15 min, 4 h) is overdue for reaction now

	for _, tc := range []struct {
		name string
		f    tickets.Filter
		want int
	}{
		{"all", tickets.Filter{}, 5},
		{"by category", tickets.Filter{ServiceCodes: []string{"pothole"}}, 1},
		{"by department", tickets.Filter{Department: "police"}, 1},
		{"by status", tickets.Filter{Statuses: []tickets.Status{tickets.Assigned}}, 5},
		{"by caller in any notation", tickets.Filter{CallerNumber: "8 (701) 000-00-01"}, 3},
		{"by address text", tickets.Filter{AddressText: "интернациональный"}, 3},
		{"address text is not a pattern", tickets.Filter{AddressText: "%"}, 0},
		{"by period", tickets.Filter{From: t0.Add(time.Minute), To: t0.Add(3 * time.Minute)}, 2},
		{"overdue", tickets.Filter{Overdue: true}, 4},
		{"a page", tickets.Filter{Limit: 2, Offset: 1}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts, _, err := s.Search(ctx, tc.f)
			if err != nil || len(ts) != tc.want {
				t.Fatalf("Search(%+v) = %d tickets, %v; want %d", tc.f, len(ts), err, tc.want)
			}
		})
	}
	ts, more, _ := s.Search(ctx, tickets.Filter{Limit: 2})
	if !more || ts[0].ServiceCode != "illegal_parking" {
		t.Fatalf("newest first with more: %v %v", ts[0].ServiceCode, more)
	}
	cs, err := s.Counts(ctx, tickets.ByCategory, t0, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if cs[0].Key != "flooding_private_house" || cs[0].Total != 3 || cs[0].Open != 3 || cs[0].Overdue != 3 || cs[0].Label == "" {
		t.Fatalf("counts by category = %+v", cs)
	}
	cs, _ = s.Counts(ctx, tickets.ByArea, t0, clk.Now())
	if cs[0].Key != "Байконурский" || cs[0].Total != 3 || len(cs) != 3 {
		t.Fatalf("counts by area = %+v", cs)
	}
	cs, _ = s.Counts(ctx, tickets.ByDepartment, t0, clk.Now())
	if cs[0].Key != "emergency" || len(cs) != 3 {
		t.Fatalf("counts by department = %+v", cs)
	}
	if _, err := s.Counts(ctx, tickets.ByArea, clk.Now(), t0); apperr.Code(err) != apperr.Invalid {
		t.Fatalf("reversed period: %v", err)
	}
}

// attrsFor gives the required attributes of the seed categories.
func attrsFor(code string) map[string][]string {
	switch code {
	case "flooding_private_house":
		return map[string][]string{"water_level": {"basement"}}
	case "illegal_parking":
		return map[string][]string{"plate": {"123ABC01"}}
	case "bus_conductor", "bus_schedule":
		return map[string][]string{"route": {"10"}}
	case "water_outage", "power_outage", "no_heating":
		return map[string][]string{"scope": {"building"}}
	}
	return nil
}

func TestCreateRefusesBadInputAndChangesNothing(t *testing.T) {
	ctx := context.Background()
	db, _ := ticketDB(t)
	s := db.Tickets()
	long := strings.Repeat("я", tickets.MaxDescription+1)
	lat := 91.0
	for _, tc := range []struct {
		name string
		in   tickets.NewTicket
		code string
	}{
		{"unknown service code", tickets.NewTicket{Channel: tickets.Web, ServiceCode: "teleport"}, apperr.NotFound},
		{"no service code", tickets.NewTicket{Channel: tickets.Web}, apperr.Invalid},
		{"bad channel", tickets.NewTicket{Channel: "fax", ServiceCode: "pothole"}, apperr.Invalid},
		{"description too long", tickets.NewTicket{Channel: tickets.Web, ServiceCode: "pothole", Description: long}, apperr.Invalid},
		{"required attribute missing", tickets.NewTicket{Channel: tickets.Web, ServiceCode: "illegal_parking"}, apperr.Invalid},
		{"NUL in the address", tickets.NewTicket{Channel: tickets.Web, ServiceCode: "pothole", Address: "a\x00b"}, apperr.Invalid},
		{"bad UTF-8 in a caller's name", tickets.NewTicket{Channel: tickets.Web, ServiceCode: "pothole",
			Caller: tickets.Caller{FirstName: "\xff"}}, apperr.Invalid},
		{"bad location", tickets.NewTicket{Channel: tickets.Web, ServiceCode: "pothole", Lat: &lat, Long: &lat}, apperr.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.Create(ctx, tc.in, operator); apperr.Code(err) != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
		})
	}
	if n := count(t, db, `SELECT count(*) FROM tickets`) + count(t, db, `SELECT count(*) FROM ticket_reference_counters`); n != 0 {
		t.Fatalf("refused input left %d rows", n)
	}
}

func TestTicketsCreatedMetric(t *testing.T) {
	ctx := context.Background()
	db, _ := ticketDB(t)
	reg := prometheus.NewRegistry()
	reg.MustRegister(postgres.TicketMetrics()...)
	value := func(channel, group string) float64 {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				labels := map[string]string{}
				for _, l := range m.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				if mf.GetName() == "ikomek_tickets_created_total" && labels["channel"] == channel && labels["group"] == group {
					return m.GetCounter().GetValue()
				}
			}
		}
		return 0
	}
	web, phone := value("web", "roads"), value("phone", "none")
	if _, err := db.Tickets().Create(ctx, tickets.NewTicket{Channel: tickets.Web, ServiceCode: "pothole"}, operator); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Tickets().CreateForCall(ctx, tickets.CallTicket{CallID: newCall(t, db, "ch-m", ""), Line: "109"}); err != nil {
		t.Fatal(err)
	}
	if value("web", "roads") != web+1 || value("phone", "none") != phone+1 {
		t.Fatalf("created counters: web/roads %v -> %v, phone/none %v -> %v", web, value("web", "roads"), phone, value("phone", "none"))
	}
}

// Concurrent creations share batches; each caller still gets its own ticket or its
// own error, references stay gapless, and one ticket the database refuses fails alone.
func TestConcurrentCreatesAreWrittenTogether(t *testing.T) {
	ctx := context.Background()
	db, _ := ticketDB(t)
	s := db.Tickets()
	// A refusal only the database knows about: the rules accept this ticket.
	if _, err := db.Pool.Exec(ctx, `
		CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS
			$$BEGIN RAISE EXCEPTION 'boom refused'; END$$;
		CREATE TRIGGER tickets_refuse_boom BEFORE INSERT ON tickets
			FOR EACH ROW WHEN (NEW.description = 'boom') EXECUTE FUNCTION refuse_boom();`); err != nil {
		t.Fatal(err)
	}
	const n = 300
	type result struct {
		t   tickets.Ticket
		err error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := tickets.NewTicket{Channel: tickets.Web, ServiceCode: "pothole", Description: fmt.Sprintf("яма %d", i),
				Address: fmt.Sprintf("пр. Абая, %d", i)}
			switch {
			case i%50 == 7:
				in.ServiceCode = "teleport" // refused by the rules
			case i%50 == 9:
				in.Description = "boom" // refused by the database
			case i%3 == 0:
				in.ServiceCode, in.Priority = "water_leak", tickets.High
			}
			results[i].t, results[i].err = s.Create(ctx, in, operator)
		}()
	}
	wg.Wait()
	refs := map[string]bool{}
	for i, r := range results {
		switch {
		case i%50 == 7:
			if apperr.Code(r.err) != apperr.NotFound {
				t.Errorf("ticket %d with an unknown code: err = %v, want not_found", i, r.err)
			}
		case i%50 == 9:
			if r.err == nil || !strings.Contains(r.err.Error(), "boom refused") {
				t.Errorf("ticket %d refused by the database: err = %v", i, r.err)
			}
		case r.err != nil:
			t.Errorf("ticket %d: %v", i, r.err)
		default:
			if want := fmt.Sprintf("яма %d", i); r.t.Description != want || r.t.ID == 0 || r.t.SLA == nil {
				t.Errorf("ticket %d came back as %q (id %d, SLA %v)", i, r.t.Description, r.t.ID, r.t.SLA)
			}
			if i%3 == 0 && (r.t.ServiceCode != "water_leak" || r.t.Priority != tickets.High) {
				t.Errorf("ticket %d: %s/%s, want water_leak/high", i, r.t.ServiceCode, r.t.Priority)
			}
			refs[r.t.Reference] = true
			if got := eventTypes(t, s, r.t.ID); !strings.HasPrefix(got, "created") {
				t.Errorf("ticket %d events: %s", i, got)
			}
		}
	}
	good := n - 2*n/50
	if len(refs) != good || count(t, db, `SELECT count(*) FROM tickets`) != good {
		t.Fatalf("%d distinct references, %d rows; want %d", len(refs), count(t, db, `SELECT count(*) FROM tickets`), good)
	}
	if got := count(t, db, `SELECT count(*) FROM ticket_outbox`); got < good {
		t.Errorf("%d notifications for %d tickets", got, good)
	}
	queueMatchesTickets(t, db)
	// Numbers are handed out only to tickets the rules accepted, from blocks
	// reserved ahead: every reference is within what was reserved.
	if last, high := count(t, db, `SELECT last FROM ticket_reference_counters`),
		count(t, db, `SELECT max(split_part(reference, '-', 3)::int) FROM tickets`); high > last {
		t.Errorf("reference number %d beyond the reserved %d", high, last)
	}
}

// The catalogue is read from memory between batches, yet a ticket always copies
// the SLA policy in force and follows the category's current state.
func TestCreateFollowsCatalogueChanges(t *testing.T) {
	ctx := context.Background()
	db, clk := ticketDB(t)
	s := db.Tickets()
	create := func(code string) (tickets.Ticket, error) {
		return s.Create(ctx, tickets.NewTicket{Channel: tickets.Web, ServiceCode: code, Address: "ул. Сейфуллина, 1"}, operator)
	}
	first, err := create("pothole")
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	pol, err := db.SLA().SetPolicy(ctx, tickets.Policy{ServiceCode: "pothole", Priority: first.Priority,
		RespondWithin: 17 * time.Minute, ResolveWithin: 5 * time.Hour}, admin)
	if err != nil {
		t.Fatal(err)
	}
	second, err := create("pothole")
	if err != nil {
		t.Fatal(err)
	}
	if second.SLA == nil || second.SLA.PolicyID != pol.ID || !second.SLA.ResponseDueAt.Equal(clk.Now().Add(17*time.Minute)) {
		t.Fatalf("after a policy change the ticket copied %+v, want policy %d due %v", second.SLA, pol.ID, clk.Now().Add(17*time.Minute))
	}
	if first.SLA.PolicyID == pol.ID {
		t.Fatal("the first ticket already had the new policy")
	}

	cat, err := db.Catalog().Category(ctx, "pothole")
	if err != nil {
		t.Fatal(err)
	}
	cat.Active = false
	if _, _, err := db.Catalog().SaveCategory(ctx, cat, admin, "merged into road_damage"); err != nil {
		t.Fatal(err)
	}
	if _, err := create("pothole"); apperr.Code(err) != apperr.NotFound {
		t.Fatalf("a retired category: err = %v, want not_found", err)
	}
	cat.Active = true
	if _, _, err := db.Catalog().SaveCategory(ctx, cat, admin, "back in use"); err != nil {
		t.Fatal(err)
	}
	if _, err := create("pothole"); err != nil {
		t.Fatalf("the category back in use: %v", err)
	}

	// A second controller, with its own cache and its own block of numbers, and a
	// restart of the first: both go on creating, references stay unique.
	other, err := postgres.Open(ctx, db.Pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.Now = clk.Now
	restarted, err := postgres.Open(ctx, db.Pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer restarted.Close()
	restarted.Now = clk.Now
	refs := map[string]bool{}
	for i := range 30 {
		store := []*postgres.DB{db, other, restarted}[i%3].Tickets()
		tk, err := store.Create(ctx, tickets.NewTicket{Channel: tickets.Web, ServiceCode: "pothole"}, operator)
		if err != nil {
			t.Fatal(err)
		}
		if refs[tk.Reference] {
			t.Fatalf("reference %s handed out twice", tk.Reference)
		}
		refs[tk.Reference] = true
		if tk.SLA == nil || tk.SLA.PolicyID != pol.ID {
			t.Fatalf("ticket %s copied %+v, want policy %d", tk.Reference, tk.SLA, pol.ID)
		}
	}
}

// A create returns the ticket as built, without reading it back; it must be the
// ticket the database stored, field for field.
func TestCreateReturnsTheStoredTicket(t *testing.T) {
	ctx := context.Background()
	db, clk := ticketDB(t)
	clk.Set(t0.Add(1234567891 * time.Nanosecond)) // nanoseconds the database cannot keep
	s := db.Tickets()
	lat, long := 51.128, 71.43
	web, err := s.Create(ctx, tickets.NewTicket{Channel: tickets.Web, ServiceCode: "no_heating", Priority: tickets.High,
		Caller:  tickets.Caller{Number: "+77015550101", FirstName: "Айгуль", Email: "a@example.kz"},
		Address: "ул. Кенесары, 40", Area: "Сарыарка", Lat: &lat, Long: &long, Description: "Холодные батареи",
		Attributes: attrsFor("no_heating"), MediaURL: "https://example.kz/1.jpg"}, operator)
	if err != nil {
		t.Fatal(err)
	}
	bare, err := s.Create(ctx, tickets.NewTicket{Channel: tickets.Social, ServiceCode: "pothole"}, operator)
	if err != nil {
		t.Fatal(err)
	}
	phone, _, err := s.CreateForCall(ctx, tickets.CallTicket{CallID: newCall(t, db, "ch-r", "+77015550102"),
		CallerNumber: "+77015550102", Line: "109", ArrivedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	for _, made := range []tickets.Ticket{web, bare, phone} {
		got, err := s.Get(ctx, made.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := inUTC(made), inUTC(got); !reflect.DeepEqual(a, b) {
			t.Errorf("create returned %+v\nthe database has %+v", a, b)
		}
	}
}

// inUTC returns t with every time in UTC, so that equal instants compare equal.
func inUTC(t tickets.Ticket) tickets.Ticket {
	utc := func(p **time.Time) {
		if *p != nil {
			v := (*p).UTC()
			*p = &v
		}
	}
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	for _, p := range []**time.Time{&t.AnonymisedAt, &t.AcknowledgedAt, &t.ResolvedAt, &t.ClosedAt,
		&t.ResponseBreachedAt, &t.ResolutionBreachedAt, &t.LastEscalatedAt, &t.NextEscalationAt} {
		utc(p)
	}
	if t.SLA != nil {
		sla := *t.SLA
		sla.ResponseDueAt, sla.ResolutionDueAt = sla.ResponseDueAt.UTC(), sla.ResolutionDueAt.UTC()
		t.SLA = &sla
	}
	return t
}

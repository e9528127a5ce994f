package postgres_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/tickets"
)

func TestOutboxClaimsLeasesAndOrder(t *testing.T) {
	ctx := context.Background()
	db, clk := ticketDB(t)
	out := db.Outbox()
	tk, err := db.Tickets().Create(ctx, tickets.NewTicket{Channel: tickets.Web, ServiceCode: "pothole", Address: "пр. Абая, 10"}, operator)
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Second)
	note := tickets.Note{Version: tk.Version, Text: "Гражданин уточнил: яма у остановки", Public: true}
	if _, err := db.Tickets().AddNote(ctx, tk.ID, note, operator); err != nil {
		t.Fatal(err)
	}
	if n, _ := out.Backlog(ctx); n != 2 {
		t.Fatalf("backlog = %d, want assigned + updated", n)
	}
	now := clk.Now()
	ms, err := out.Claim(ctx, "w1", 10, now, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// Only the first message of the ticket is claimed: the update waits for it.
	if len(ms) != 1 || ms[0].Topic != "ticket.assigned" || ms[0].Attempt != 1 || ms[0].Department != "roads" {
		t.Fatalf("claimed %+v", ms)
	}
	var p tickets.Payload
	if err := json.Unmarshal(ms[0].Payload, &p); err != nil || p.Ticket.Reference != tk.Reference || p.Ticket.Department != "roads" {
		t.Fatalf("payload %s: %v", ms[0].Payload, err)
	}
	if again, _ := out.Claim(ctx, "w2", 10, now.Add(30*time.Second), time.Minute); len(again) != 0 {
		t.Fatalf("a leased message was claimed again: %+v", again)
	}
	// w1 dies. After the lease another worker takes the message over.
	taken, err := out.Claim(ctx, "w2", 10, now.Add(61*time.Second), time.Minute)
	if err != nil || len(taken) != 1 || taken[0].ID != ms[0].ID || taken[0].Attempt != 2 {
		t.Fatalf("after the lease: %+v, %v", taken, err)
	}
	// w1 comes back and records late: the attempt is kept, the message stays w2's.
	late := tickets.Attempt{Attempt: 1, At: now.Add(62 * time.Second), Outcome: tickets.Delivered, Worker: "w1"}
	if err := out.Record(ctx, ms[0], late, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if n, _ := out.Backlog(ctx); n != 2 {
		t.Fatalf("a stale lease finished a message: backlog %d", n)
	}
	fail := tickets.Attempt{Attempt: 2, At: now.Add(62 * time.Second), Outcome: tickets.Failed, Error: "connection refused",
		Duration: 3 * time.Millisecond, Worker: "w2"}
	if err := out.Record(ctx, taken[0], fail, now.Add(72*time.Second)); err != nil {
		t.Fatal(err)
	}
	if ms, _ := out.Claim(ctx, "w2", 10, now.Add(71*time.Second), time.Minute); len(ms) != 0 {
		t.Fatalf("claimed before the retry time: %+v", ms)
	}
	ms, _ = out.Claim(ctx, "w2", 10, now.Add(72*time.Second), time.Minute)
	if len(ms) != 1 || ms[0].Attempt != 3 {
		t.Fatalf("retry claim = %+v", ms)
	}
	ok := tickets.Attempt{Attempt: 3, At: now.Add(73 * time.Second), Outcome: tickets.Delivered, StatusCode: 204, Worker: "w2"}
	if err := out.Record(ctx, ms[0], ok, time.Time{}); err != nil {
		t.Fatal(err)
	}
	// Now the update is next.
	ms, _ = out.Claim(ctx, "w2", 10, now.Add(74*time.Second), time.Minute)
	if len(ms) != 1 || ms[0].Topic != "ticket.updated" {
		t.Fatalf("second message = %+v", ms)
	}
	ds, err := out.Deliveries(ctx, tk.ID)
	if err != nil || len(ds) != 2 || len(ds[0].Attempts) != 3 || ds[0].Outcome != tickets.Delivered || ds[0].DoneAt == nil {
		t.Fatalf("deliveries = %+v, %v", ds, err)
	}
	if a := ds[0].Attempts[1]; a.Outcome != tickets.Failed || a.Error != "connection refused" || a.Duration != 3*time.Millisecond {
		t.Fatalf("failed attempt = %+v", a)
	}
}

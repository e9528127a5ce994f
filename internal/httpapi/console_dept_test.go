package httpapi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ikomek/ikomek/internal/httpapi"
	"github.com/ikomek/ikomek/internal/testenv"
	"github.com/ikomek/ikomek/internal/tickets"
)

// TestDepartmentDeskInBrowser drives the department's desk of the web console in
// headless chromium: the water utility sees its own tickets only, acknowledges one,
// works it, notes its progress, is refused resolving it without saying what was done, resolves it, and
// returns another that is not its own; every step is in the ticket's history with
// the department as its actor.
func TestDepartmentDeskInBrowser(t *testing.T) {
	f := newTicketFixture(t)
	ctx := context.Background()
	create := func(code, address string) httpapi.TicketJSON {
		var tk httpapi.TicketJSON
		if st := f.call(t, "POST", "/api/v1/tickets", "operator", map[string]any{"channel": "web", "service_code": code,
			"address": address, "description": "Заявка: " + address, "caller": map[string]string{"phone": "87015550101"}}, &tk); st != 201 {
			t.Fatalf("create %s = %d", code, st)
		}
		if tk.Status != "assigned" {
			t.Fatalf("ticket %s is %s, not assigned", tk.Reference, tk.Status)
		}
		return tk
	}
	leak := create("water_leak", "ул. Сыганак, 18")
	notOurs := create("water_leak", "ул. Достык, 5")
	pothole := create("pothole", "пр. Туран, 30")

	b := testenv.Chromium(t)
	b.Open(f.srv.URL + "/console/")
	b.Type("#token", f.tokens["water"])
	b.Click("#signin-button")
	b.WaitTextIs("#dept-code", "water")
	row := func(ref string) string { return fmt.Sprintf(`#dept-tickets tr[data-ticket="%s"]`, ref) }
	b.WaitText(row(leak.Reference), "ул. Сыганак, 18")
	b.WaitText(row(notOurs.Reference), "ул. Достык, 5")
	if got := b.Eval(`return document.querySelectorAll(arguments[0]).length`, row(pothole.Reference)); got != float64(0) {
		t.Fatalf("water sees the roads' ticket %s", pothole.Reference)
	}

	b.Click(row(leak.Reference) + " button.open")
	b.WaitTextIs("#dt-ref", leak.Reference)
	b.WaitText("#dt-description", "ул. Сыганак, 18")
	b.Click("#dt-ack")
	b.WaitText("#dt-status", "acknowledged")
	b.Click("#dt-progress")
	b.WaitText("#dt-status", "in_progress")
	b.Type("#dt-note", "Бригада выехала")
	b.Click("#dt-addnote")
	b.WaitText("#dt-history", "Бригада выехала")
	b.Click("#dt-resolve")
	b.WaitText("#message", "needs a note")
	b.Type("#dt-note", "Заменили участок трубы, давление восстановлено")
	b.Click("#dt-resolve")
	b.WaitText("#dt-status", "resolved")
	b.WaitText("#dt-history", "Заменили участок трубы")

	b.Click(row(notOurs.Reference) + " button.open")
	b.WaitTextIs("#dt-ref", notOurs.Reference)
	b.Type("#dt-note", "Это сети КСК, не водоканала")
	b.Click("#dt-return")
	b.WaitText("#message", "Returned")
	b.WaitFor("the returned ticket to leave the list", func() bool {
		return b.Eval(`return document.querySelectorAll(arguments[0]).length`, row(notOurs.Reference)) == float64(0)
	})
	b.Choose("#dept-show", "resolved")
	b.WaitText(row(leak.Reference), "resolved")

	v, err := f.db.Tickets().View(ctx, leak.ID)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, e := range v.Events {
		if e.Type == tickets.EventStatusChanged && e.Actor.Role == "department" && e.Actor.Subject == "water" {
			steps = append(steps, string(e.To))
		}
	}
	if v.Ticket.Status != tickets.Resolved || fmt.Sprint(steps) != "[acknowledged in_progress resolved]" {
		t.Fatalf("ticket %s: %s, department's steps %v", leak.Reference, v.Ticket.Status, steps)
	}
	back, err := f.db.Tickets().View(ctx, notOurs.ID)
	if err != nil || back.Ticket.Status != tickets.Registered || back.Ticket.DepartmentCode != "" {
		t.Fatalf("returned ticket: %+v %v", back.Ticket, err)
	}
}

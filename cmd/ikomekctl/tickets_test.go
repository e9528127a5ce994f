package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/testenv"
	"github.com/ikomek/ikomek/internal/tickets"
)

// ticketsCLI mounts the ticket commands the way the root CLI does.
type ticketsCLI struct {
	Globals
	Departments departmentsCmd `cmd:""`
	Categories  categoriesCmd  `cmd:""`
	SLA         slaCmd         `cmd:"" name:"sla"`
	Seed        seedCmd        `cmd:""`
	Tickets     ticketsCmd     `cmd:""`
}

func runTickets(tb testing.TB, dsn string, args ...string) (string, error) {
	tb.Helper()
	var cli ticketsCLI
	return execute(tb, &cli, &cli.Globals, nil, append([]string{"--database-url", dsn}, args...)...)
}

func TestTicketCommands(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	must := func(args ...string) string {
		t.Helper()
		out, err := runTickets(t, dsn, args...)
		if err != nil {
			t.Fatalf("ikomekctl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	if out := must("seed", "catalog"); !strings.Contains(out, "added 11 departments, 24 categories, 10 SLA policies") {
		t.Fatalf("seed: %s", out)
	}
	if out := must("seed", "qc-form"); !strings.Contains(out, `created form`) || !strings.Contains(out, "Call quality") {
		t.Fatalf("seed qc-form: %s", out)
	}
	if out := must("seed", "qc-form"); !strings.Contains(out, "kept active form") {
		t.Fatalf("seed qc-form again: %s", out)
	}
	if out := must("seed", "catalog"); !strings.Contains(out, "added 0 departments, 0 categories, 0 SLA policies") {
		t.Fatalf("seed again: %s", out)
	}
	if out := must("categories", "list"); !strings.Contains(out, "illegal_parking") || !strings.Contains(out, "police") {
		t.Fatalf("categories list: %s", out)
	}

	out := must("departments", "set", "police", "--webhook-url", "https://police.example.kz/109")
	if !strings.Contains(out, "department police updated") || !strings.Contains(out, "whsec_") {
		t.Fatalf("departments set: %s", out)
	}
	if out := must("departments", "set", "police", "--name", "ДП г. Астаны"); strings.Contains(out, "whsec_") {
		t.Fatalf("the secret was shown again: %s", out)
	}
	if out := must("departments", "list"); !strings.Contains(out, "https://police.example.kz/109") || strings.Contains(out, "whsec_") {
		t.Fatalf("departments list: %s", out)
	}

	attrs := filepath.Join(t.TempDir(), "attrs.json")
	os.WriteFile(attrs, []byte(`[{"variable":true,"code":"species","datatype":"string","required":false,"order":1,"description":"Порода"}]`), 0o600)
	if out := must("categories", "set", "fallen_tree", "--name", "Упавшее дерево", "--group", "greenery",
		"--department", "roads", "--priority", "high", "--attributes", attrs); !strings.Contains(out, "created") {
		t.Fatalf("categories set: %s", out)
	}
	must("categories", "set", "fallen_tree", "--department", "emergency", "--reason", "storm season")
	if out := must("categories", "routing", "fallen_tree"); !strings.Contains(out, "storm season") ||
		!strings.Contains(out, "roads") || !strings.Contains(out, "emergency") {
		t.Fatalf("routing: %s", out)
	}
	if _, err := runTickets(t, dsn, "categories", "set", "bad_one", "--name", "x", "--department", "nasa"); apperr.Code(err) != apperr.NotFound {
		t.Fatalf("unknown department: %v", err)
	}

	must("sla", "set", "--service-code", "fallen_tree", "--priority", "high", "--respond-within", "1h", "--resolve-within", "8h")
	out = must("sla", "set", "--service-code", "fallen_tree", "--priority", "high", "--respond-within", "30m", "--resolve-within", "6h")
	if !strings.Contains(out, "version 2") {
		t.Fatalf("sla set: %s", out)
	}
	if out := must("sla", "list", "--service-code", "fallen_tree", "--history"); strings.Count(out, "fallen_tree") != 2 {
		t.Fatalf("sla list: %s", out)
	}

	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tk, err := db.Tickets().Create(context.Background(), tickets.NewTicket{Channel: tickets.Web, ServiceCode: "fallen_tree"},
		tickets.Actor{Role: "operator", Name: "Aigerim"})
	if err != nil {
		t.Fatal(err)
	}
	if out := must("tickets", "show", tk.Reference); !strings.Contains(out, "assigned") || !strings.Contains(out, "emergency") ||
		!strings.Contains(out, "v2") {
		t.Fatalf("tickets show: %s", out)
	}
	if out := must("tickets", "sweep"); !strings.Contains(out, "0 tickets escalated") {
		t.Fatalf("tickets sweep: %s", out)
	}
	if out := must("tickets", "anonymise"); !strings.Contains(out, "anonymised the callers of 0 tickets") {
		t.Fatalf("tickets anonymise: %s", out)
	}
}

package sweeper_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ikomek/ikomek/internal/testenv"
	"github.com/ikomek/ikomek/internal/tickets"
	"github.com/ikomek/ikomek/internal/tickets/sweeper"
)

func TestSweeperEscalatesAndCountsByDepartment(t *testing.T) {
	ctx := context.Background()
	db := testenv.Postgres(t)
	t0 := time.Date(2026, 2, 1, 22, 0, 0, 0, time.UTC)
	var now atomic.Int64
	now.Store(t0.UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	db.Now = clock
	if _, err := tickets.LoadSeed(ctx, db.Catalog(), db.SLA(), tickets.CitySeed(), tickets.System("setup")); err != nil {
		t.Fatal(err)
	}
	op := tickets.Actor{Role: "operator", Name: "Night shift"}
	for range 3 {
		if _, err := db.Tickets().Create(ctx, tickets.NewTicket{Channel: tickets.Phone, ServiceCode: "flooding_private_house",
			Attributes: map[string][]string{"water_level": {"house"}}}, op); err != nil {
			t.Fatal(err)
		}
	}
	reg := prometheus.NewRegistry()
	s := &sweeper.Sweeper{SLA: db.SLA(), Now: clock, Batch: 2}
	s.Register(reg)
	if es, err := s.SweepOnce(ctx); err != nil || len(es) != 0 {
		t.Fatalf("sweep on time = %v, %v", es, err)
	}
	now.Add(int64(16 * time.Minute)) // 15 minutes to react to a flooded house
	es, err := s.SweepOnce(ctx)
	if err != nil || len(es) != 3 {
		t.Fatalf("sweep after the deadline = %d escalations, %v", len(es), err)
	}
	if got := breaches(t, reg); got != `emergency/response=3` {
		t.Fatalf("ikomek_sla_breaches_total = %s", got)
	}
	if es, _ := s.SweepOnce(ctx); len(es) != 0 {
		t.Fatalf("escalated again: %v", es)
	}
}

// breaches renders the breach counter as department/kind=value pairs.
func breaches(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, mf := range mfs {
		if mf.GetName() != "ikomek_sla_breaches_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			out = append(out, fmt.Sprintf("%s/%s=%g", labels["department"], labels["kind"], m.GetCounter().GetValue()))
		}
	}
	return strings.Join(out, " ")
}

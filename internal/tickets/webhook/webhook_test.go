package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/testenv"
	"github.com/ikomek/ikomek/internal/tickets"
	"github.com/ikomek/ikomek/internal/tickets/webhook"
)

var t0 = time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)

type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

func setup(t *testing.T) (*postgres.DB, *clock) {
	t.Helper()
	db := testenv.Postgres(t)
	c := &clock{}
	c.ns.Store(t0.UnixNano())
	db.Now = c.Now
	if _, err := tickets.LoadSeed(context.Background(), db.Catalog(), db.SLA(), tickets.CitySeed(),
		tickets.Actor{Role: "admin", Name: "setup"}); err != nil {
		t.Fatal(err)
	}
	return db, c
}

func TestSignature(t *testing.T) {
	body := []byte(`{"topic":"ticket.assigned"}`)
	h := webhook.Sign("s3cret", t0, body)
	if err := webhook.Verify("s3cret", h, body, t0.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, check := range map[string]error{
		"wrong secret":   webhook.Verify("other", h, body, t0, time.Minute),
		"changed body":   webhook.Verify("s3cret", h, []byte(`{}`), t0, time.Minute),
		"replayed later": webhook.Verify("s3cret", h, body, t0.Add(time.Hour), 5*time.Minute),
		"garbage":        webhook.Verify("s3cret", "v1=abc", body, t0, time.Minute),
	} {
		if !errors.Is(check, webhook.ErrBadSignature) {
			t.Errorf("%s: %v", name, check)
		}
	}
}

// receiver is a department's system: it checks every signature.
type receiver struct {
	secret string
	now    func() time.Time
	mu     sync.Mutex
	got    []tickets.Payload
	ids    []string
	bad    int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err := webhook.Verify(rc.secret, r.Header.Get(webhook.SignatureHeader), body, rc.now(), 5*time.Minute); err != nil {
		rc.bad++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var p tickets.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.got = append(rc.got, p)
	rc.ids = append(rc.ids, r.Header.Get(webhook.DeliveryHeader))
	w.WriteHeader(http.StatusNoContent)
}

func TestDeliveryAfterTheReceiverComesBack(t *testing.T) {
	ctx := context.Background()
	db, clk := setup(t)

	// An address where nothing listens yet: the department's system is down.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	dep, err := db.Catalog().Department(ctx, "roads")
	if err != nil {
		t.Fatal(err)
	}
	dep.WebhookURL = "http://" + addr + "/ikomek"
	dep, _, err = db.Catalog().SaveDepartment(ctx, dep, tickets.Actor{Role: "admin", Name: "setup"})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := db.Tickets().Create(ctx, tickets.NewTicket{Channel: tickets.Web, ServiceCode: "pothole",
		Address: "пр. Кабанбай батыра, 11", Caller: tickets.Caller{Number: "87015556677"}},
		tickets.Actor{Role: "operator", Name: "Aigerim"})
	if err != nil {
		t.Fatal(err)
	}

	reg := prometheus.NewRegistry()
	d := &webhook.Deliverer{Outbox: db.Outbox(), Now: clk.Now, Worker: "test",
		Client: &http.Client{Timeout: 2 * time.Second}}
	d.Register(reg)
	if n, err := d.DeliverDue(ctx); n != 1 || err != nil {
		t.Fatalf("first delivery: %d claimed, %v", n, err)
	}
	if n, _ := db.Outbox().Backlog(ctx); n != 1 {
		t.Fatalf("backlog %d after a failure, want the message kept", n)
	}
	if n, _ := d.DeliverDue(ctx); n != 0 {
		t.Fatal("retried before the backoff")
	}

	// The receiver comes back on the same address.
	rc := &receiver{secret: dep.WebhookSecret, now: clk.Now}
	l2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("could not listen on %s again: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(rc)
	srv.Listener.Close()
	srv.Listener = l2
	srv.Start()
	defer srv.Close()

	clk.Add(tickets.Backoff(1))
	if n, err := d.DeliverDue(ctx); n != 1 || err != nil {
		t.Fatalf("second delivery: %d claimed, %v", n, err)
	}
	rc.mu.Lock()
	got, ids, bad := rc.got, rc.ids, rc.bad
	rc.mu.Unlock()
	if bad != 0 || len(got) != 1 {
		t.Fatalf("receiver got %d valid and %d badly signed deliveries", len(got), bad)
	}
	if p := got[0]; p.Topic != "ticket.assigned" || p.Ticket.Reference != tk.Reference || p.Ticket.Department != "roads" ||
		p.Ticket.CallerPhone != "+77015556677" || p.Ticket.ResolutionDueAt == nil {
		t.Fatalf("payload = %+v", p)
	}
	ds, err := db.Outbox().Deliveries(ctx, tk.ID)
	if err != nil || len(ds) != 1 || ids[0] != strconv.FormatInt(ds[0].ID, 10) {
		t.Fatalf("deliveries = %+v, %v (delivery header %v)", ds, err, ids)
	}
	as := ds[0].Attempts
	if len(as) != 2 || as[0].Outcome != tickets.Failed || as[0].Error == "" || as[1].Outcome != tickets.Delivered ||
		as[1].StatusCode != 204 || as[1].Duration <= 0 || ds[0].Outcome != tickets.Delivered {
		t.Fatalf("attempts = %+v", as)
	}
	if n, _ := db.Outbox().Backlog(ctx); n != 0 {
		t.Fatalf("backlog %d after delivery", n)
	}
	if v := counter(t, reg, "ikomek_outbox_delivery_attempts_total", "failed"); v != 1 {
		t.Fatalf("failed attempts metric = %v", v)
	}
}

func TestGivingUpAndDepartmentsWithoutWebhook(t *testing.T) {
	ctx := context.Background()
	db, clk := setup(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "database is down", http.StatusInternalServerError)
	}))
	defer srv.Close()
	dep, _ := db.Catalog().Department(ctx, "police")
	dep.WebhookURL = srv.URL
	if _, _, err := db.Catalog().SaveDepartment(ctx, dep, tickets.Actor{Role: "admin", Name: "setup"}); err != nil {
		t.Fatal(err)
	}
	op := tickets.Actor{Role: "operator", Name: "Aigerim"}
	parking, err := db.Tickets().Create(ctx, tickets.NewTicket{Channel: tickets.Web, ServiceCode: "illegal_parking",
		Attributes: map[string][]string{"plate": {"777AAA01"}}}, op)
	if err != nil {
		t.Fatal(err)
	}
	// Roads has no webhook: its staff read the API.
	pothole, err := db.Tickets().Create(ctx, tickets.NewTicket{Channel: tickets.Web, ServiceCode: "pothole"}, op)
	if err != nil {
		t.Fatal(err)
	}
	d := &webhook.Deliverer{Outbox: db.Outbox(), Now: clk.Now, MaxAttempts: 3}
	for range 3 {
		if _, err := d.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Hour)
	}
	if hits.Load() != 3 {
		t.Fatalf("%d attempts reached the receiver, want 3", hits.Load())
	}
	ds, _ := db.Outbox().Deliveries(ctx, parking.ID)
	if ds[0].Outcome != tickets.GaveUp || len(ds[0].Attempts) != 3 || ds[0].Attempts[2].StatusCode != 500 {
		t.Fatalf("parking deliveries = %+v", ds[0])
	}
	ds, _ = db.Outbox().Deliveries(ctx, pothole.ID)
	if ds[0].Outcome != tickets.NoEndpoint || len(ds[0].Attempts) != 1 {
		t.Fatalf("pothole deliveries = %+v", ds[0])
	}
	if n, _ := db.Outbox().Backlog(ctx); n != 0 {
		t.Fatalf("backlog %d", n)
	}
}

// counter returns the value of a counter with label outcome.
func counter(t *testing.T, reg *prometheus.Registry, name, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if mf.GetName() == name && l.GetName() == "outcome" && l.GetValue() == outcome {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{outcome=%q}", name, outcome)
	return 0
}

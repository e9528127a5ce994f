package httpapi_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/calls"
	"github.com/ikomek/ikomek/internal/httpapi"
	"github.com/ikomek/ikomek/internal/redis"
	"github.com/ikomek/ikomek/internal/testenv"
)

func TestQueueAPI(t *testing.T) {
	ctx := context.Background()
	db := testenv.Postgres(t)
	rdb, prefix := testenv.Redis(t)
	state := redis.New(rdb, prefix)
	s := &httpapi.Server{Tokens: db.Tokens(), Calls: db.Calls(), Queue: state}
	f := &ticketFixture{srv: httptest.NewServer(s.Handler()), db: db, tokens: map[string]string{}}
	t.Cleanup(f.srv.Close)
	for _, r := range []auth.Role{auth.Supervisor, auth.Operator} {
		_, secret, err := db.Tokens().Create(ctx, "test", r, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[string(r)] = secret
	}

	var q httpapi.QueueJSON
	if st := f.call(t, "GET", "/api/v1/queue", "supervisor", nil, &q); st != 200 || q.Waiting != 0 || len(q.Calls) != 0 {
		t.Fatalf("empty line = %d %+v", st, q)
	}

	now := time.Now()
	arrive := func(ch, caller string, ago time.Duration, priority int) calls.Call {
		c, _, err := db.Calls().Arrive(ctx, calls.Call{AsteriskID: "ast1", ChannelID: ch, Line: "109", CallerNumber: caller,
			ArrivedAt: now.Add(-ago)})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Calls().Queue(ctx, c.ID, now.Add(-ago+5*time.Second), "ru", priority); err != nil {
			t.Fatal(err)
		}
		if err := state.Enqueue(ctx, redis.QueuedCall{ID: c.ID, AsteriskID: "ast1", Language: "ru", Line: "109",
			Priority: priority, ArrivedAt: c.ArrivedAt}); err != nil {
			t.Fatal(err)
		}
		return c
	}
	first := arrive("ch-1", "+77010000001", 90*time.Second, 0)
	urgent := arrive("ch-2", "+77010000002", 20*time.Second, 9) // flooding: offered first

	if st := f.call(t, "GET", "/api/v1/queue", "supervisor", nil, &q); st != 200 || q.Waiting != 2 || len(q.Calls) != 2 {
		t.Fatalf("line = %d %+v", st, q)
	}
	if c := q.Calls[0]; c.CallID != urgent.ID || c.Position != 1 || c.Priority != 9 || c.CallerNumber != "+77010000002" {
		t.Fatalf("first in line = %+v", c)
	}
	if c := q.Calls[1]; c.CallID != first.ID || c.Position != 2 || c.WaitSeconds < 84 || c.WaitSeconds > 95 || c.Language != "ru" {
		t.Fatalf("second in line = %+v", c)
	}
	if q.LongestWaitSeconds != q.Calls[1].WaitSeconds {
		t.Fatalf("longest wait %.1f", q.LongestWaitSeconds)
	}
	var e apiError
	if st := f.call(t, "GET", "/api/v1/queue", "operator", nil, &e); st != 403 || e.Error.Code != "forbidden" {
		t.Fatalf("operator = %d %+v", st, e)
	}

	// The day's summary counts both, still open, against the 20 s target.
	var sum calls.Summary
	if st := f.call(t, "GET", "/api/v1/calls/summary?line=109", "supervisor", nil, &sum); st != 200 ||
		sum.Arrived != 2 || sum.Open != 2 || sum.Answered != 0 || sum.ServiceLevel != nil || sum.TargetSeconds != 20 {
		t.Fatalf("summary = %d %+v", st, sum)
	}
	if st := f.call(t, "GET", "/api/v1/calls/summary?line=556655", "supervisor", nil, &sum); st != 200 || sum.Arrived != 0 {
		t.Fatalf("QC line summary = %d %+v", st, sum)
	}
	for _, q := range []string{"from=yesterday", "from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z",
		"from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"} {
		if st := f.call(t, "GET", "/api/v1/calls/summary?"+q, "supervisor", nil, &e); st != 400 || e.Error.Code != "invalid" {
			t.Fatalf("summary?%s = %d %+v", q, st, e)
		}
	}
	if st := f.call(t, "GET", "/api/v1/calls/summary", "operator", nil, &e); st != 403 {
		t.Fatalf("operator summary = %d", st)
	}
}

package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/qc"
	"github.com/ikomek/ikomek/internal/testenv"
)

func TestRecordingSearch(t *testing.T) {
	ctx := context.Background()
	db := testenv.Postgres(t)
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	c1, r1 := qcCall(t, db, "109", "+7 701 111 22 33", "aigerim", t0, 30)
	_, r2 := qcCall(t, db, "109", "87012223344", "daniyar", t0.Add(time.Hour), 300)
	_, r3 := qcCall(t, db, "109", "+77011112233", "daniyar", t0.Add(48*time.Hour), 120)
	qcCall(t, db, "109", "+77011112233", "aigerim", t0.Add(2*time.Hour), 0) // no recording
	var ref string
	if err := db.Pool.QueryRow(ctx, `INSERT INTO tickets (reference, channel, call_id, recording_id, status, priority, created_at, updated_at)
		VALUES ('109-2026-000001', 'phone', $1, $2, 'registered', 'normal', now(), now()) RETURNING reference`, c1, r1).Scan(&ref); err != nil {
		t.Fatal(err)
	}
	ids := func(rs []qc.Recording) []int64 {
		var out []int64
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    qc.Search
		want []int64
	}{
		{"everything, newest first", qc.Search{}, []int64{r3, r2, r1}},
		{"period", qc.Search{From: t0, To: t0.Add(24 * time.Hour)}, []int64{r2, r1}},
		{"caller in any format", qc.Search{Caller: "8 (701) 111-22-33"}, []int64{r3, r1}},
		{"operator", qc.Search{Operator: "daniyar"}, []int64{r3, r2}},
		{"ticket reference", qc.Search{Ticket: ref}, []int64{r1}},
		{"outcome", qc.Search{Outcome: "abandoned"}, nil},
		{"duration", qc.Search{MinDuration: 60, MaxDuration: 200}, []int64{r3}},
		{"page", qc.Search{PageSize: 1, After: r3}, []int64{r2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := db.RecordingIndex().Search(ctx, tc.q)
			if err != nil || !equalIDs(ids(got), tc.want) {
				t.Fatalf("Search(%+v) = %v, %v; want %v", tc.q, ids(got), err, tc.want)
			}
		})
	}
	page, next, err := db.RecordingIndex().Search(ctx, qc.Search{PageSize: 2})
	if err != nil || len(page) != 2 || next != r2 {
		t.Fatalf("first page %v next %d, %v", ids(page), next, err)
	}
	got, err := db.RecordingIndex().Recording(ctx, r1)
	if err != nil || len(got.Tickets) != 1 || got.Tickets[0] != ref || got.Line != "109" || got.OperatorLogin != "aigerim" {
		t.Fatalf("Recording = %+v, %v", got, err)
	}
}

func TestRecordingRetentionCandidates(t *testing.T) {
	ctx := context.Background()
	db := testenv.Postgres(t)
	old := time.Date(2026, 1, 10, 10, 0, 0, 0, time.UTC)
	_, plain := qcCall(t, db, "109", "+77010000001", "aigerim", old, 30)
	cOpen, openTicket := qcCall(t, db, "109", "+77010000002", "aigerim", old, 30)
	cClosed, closedTicket := qcCall(t, db, "109", "+77010000003", "aigerim", old, 30)
	cCase, withCase := qcCall(t, db, "109", "+77010000004", "aigerim", old, 30)
	_, recent := qcCall(t, db, "109", "+77010000005", "aigerim", old.AddDate(0, 6, 0), 30)
	for i, tk := range []struct {
		call   int64
		rec    int64
		status string
	}{{cOpen, openTicket, "in_progress"}, {cClosed, closedTicket, "closed"}} {
		if _, err := db.Pool.Exec(ctx, `INSERT INTO tickets (reference, channel, call_id, recording_id, status, priority, created_at, updated_at)
			VALUES ($1, 'phone', $2, $3, $4, 'normal', now(), now())`, "109-2026-00000"+string(rune('1'+i)), tk.call, tk.rec, tk.status); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO qc_cases (source, call_id, opened_at) VALUES ('reviewer', $1, now())`, cCase); err != nil {
		t.Fatal(err)
	}
	_ = withCase
	idx := db.RecordingIndex()
	exp, err := idx.Expired(ctx, old.AddDate(0, 3, 0))
	var got []int64
	for _, r := range exp {
		got = append(got, r.ID)
	}
	if err != nil || !equalIDs(got, []int64{plain, closedTicket}) {
		t.Fatalf("Expired = %v, %v; want %v (not %d open ticket, %d QC case, %d recent)", got, err,
			[]int64{plain, closedTicket}, openTicket, withCase, recent)
	}

	boom := errors.New("disk")
	if err := idx.Remove(ctx, plain, "retention", func() error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Remove with failing file removal: %v", err)
	}
	if err := idx.Remove(ctx, plain, "retention", func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := idx.Remove(ctx, plain, "retention", func() error { return nil }); err == nil {
		t.Fatal("removed twice")
	}
	r, err := idx.Recording(ctx, plain)
	if err != nil || r.RemovedAt == nil || r.SHA256 == "" || r.Path == "" {
		t.Fatalf("metadata after removal: %+v, %v", r, err)
	}
	if _, err := db.Pool.Exec(ctx, `DELETE FROM recording_removals`); !opRefused(err) {
		t.Fatalf("removal rows deletable: %v", err)
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/qc"
	"github.com/ikomek/ikomek/internal/testenv"
)

func TestQCReviewsAndCases(t *testing.T) {
	ctx := context.Background()
	db := testenv.Postgres(t)
	s := db.QC()
	by := qc.Actor{TokenID: 0, Name: "Asel (QC)", Role: "qc"}
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	call, _ := qcCall(t, db, "109", "+77011112233", "aigerim", t0, 60)
	call2, _ := qcCall(t, db, "109", "+77011112233", "aigerim", t0.Add(24*time.Hour), 60)

	form, err := s.CreateForm(ctx, qc.DefaultForm(), by)
	if err != nil || len(form.Criteria) != 4 {
		t.Fatalf("CreateForm = %+v, %v", form, err)
	}
	if _, err := s.CreateForm(ctx, qc.Form{Name: "empty"}, by); apperr.Code(err) != apperr.Invalid {
		t.Fatalf("empty form: %v", err)
	}

	t.Run("a QC line call opens one case, linked to the caller's last call", func(t *testing.T) {
		complaint, _ := qcCall(t, db, qc.QCLine, "8 701 111 22 33", "", t0.Add(25*time.Hour), 0)
		db.Pool.Exec(ctx, `UPDATE calls SET caller_number = '+77011112233', operator_login = NULL WHERE id = $1`, complaint)
		id, created, err := s.OpenCaseForCall(ctx, complaint)
		if err != nil || !created {
			t.Fatalf("first = %d %v %v", id, created, err)
		}
		again, created, err := s.OpenCaseForCall(ctx, complaint)
		if err != nil || created || again != id {
			t.Fatalf("second = %d %v %v, want %d", again, created, err, id)
		}
		c, _ := s.Case(ctx, id)
		if c.Source != qc.FromLine || c.CallID == nil || *c.CallID != call2 || c.OperatorLogin != "aigerim" {
			t.Fatalf("case %+v, want linked to call %d", c, call2)
		}
		if _, _, err := s.OpenCaseForCall(ctx, 999999); apperr.Code(err) != apperr.NotFound {
			t.Fatalf("unknown call: %v", err)
		}
	})

	t.Run("reviewers find the call by caller and time, operator or ticket", func(t *testing.T) {
		c, err := s.OpenCase(ctx, "was rude", qc.CallRef{Caller: "87011112233", At: t0.Add(30 * time.Minute)}, by)
		if err != nil || c.CallID == nil || *c.CallID != call {
			t.Fatalf("by caller: %+v %v", c, err)
		}
		db.Pool.Exec(ctx, `INSERT INTO tickets (reference, channel, call_id, status, priority, created_at, updated_at)
			VALUES ('109-2026-000777', 'phone', $1, 'registered', 'normal', now(), now())`, call2)
		c, err = s.LinkCase(ctx, c.ID, qc.CallRef{Ticket: "109-2026-000777"})
		if err != nil || *c.CallID != call2 || c.TicketReference != "109-2026-000777" {
			t.Fatalf("by ticket: %+v %v", c, err)
		}
		if _, err := s.OpenCase(ctx, "x", qc.CallRef{Operator: "nobody", At: t0}, by); apperr.Code(err) != apperr.NotFound {
			t.Fatalf("no match: %v", err)
		}
		if c, err = s.CloseCase(ctx, c.ID, "coached"); err != nil || c.Status != qc.CaseClosed {
			t.Fatal(err)
		}
		if _, err = s.CloseCase(ctx, c.ID, "again"); apperr.Code(err) != apperr.Conflict {
			t.Fatalf("closed twice: %v", err)
		}
	})

	t.Run("weighted totals and the operator's score", func(t *testing.T) {
		r1, err := s.AddReview(ctx, qc.Review{CallID: call, FormID: form.ID, Outcome: qc.Coaching,
			Scores: map[string]float64{"greeting": 5, "politeness": 0, "category": 0, "resolution": 5}}, by)
		if err != nil || r1.Total != 50 || r1.OperatorLogin != "aigerim" {
			t.Fatalf("review = %+v, %v", r1, err)
		}
		if _, err := s.AddReview(ctx, qc.Review{CallID: call2, FormID: form.ID, Outcome: qc.NoIssue,
			Scores: map[string]float64{"greeting": 5, "politeness": 5, "category": 5, "resolution": 5}}, by); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddReview(ctx, qc.Review{CallID: call, FormID: form.ID, Outcome: "fired",
			Scores: map[string]float64{}}, by); apperr.Code(err) != apperr.Invalid {
			t.Fatalf("bad outcome: %v", err)
		}
		sc, err := s.OperatorScore(ctx, "aigerim", t0.Add(-time.Hour), t0.Add(48*time.Hour))
		if err != nil || sc.Reviews != 2 || sc.Average != 75 || sc.Outcomes[qc.Coaching] != 1 {
			t.Fatalf("score = %+v, %v", sc, err)
		}
		sc, _ = s.OperatorScore(ctx, "aigerim", t0.Add(time.Hour), t0.Add(48*time.Hour))
		if sc.Reviews != 1 || sc.Average != 100 {
			t.Fatalf("score of the later period = %+v", sc)
		}
	})

	t.Run("the database refuses rewriting reviews", func(t *testing.T) {
		for _, q := range []string{
			`UPDATE qc_reviews SET total = 100, outcome = 'no_issue'`,
			`DELETE FROM qc_reviews`,
			`TRUNCATE qc_reviews`,
			`DELETE FROM qc_cases`,
		} {
			if _, err := db.Pool.Exec(ctx, q); !opRefused(err) {
				t.Errorf("%s: %v, want refused", q, err)
			}
		}
		rs, _ := s.Reviews(ctx, "aigerim", 0)
		if len(rs) != 2 || rs[1].Total != 50 {
			t.Fatalf("reviews after refused changes: %+v", rs)
		}
	})
}
